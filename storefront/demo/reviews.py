"""What demo buyers are called and what their reviews say, so the product pages have something to read and
every sort gives a different order. `storefront.demo.history` places their orders and publishes the reviews
through the store's services."""
from __future__ import annotations

import random

from storefront.reviews import rules

FIRST_NAMES = ["Léa", "Hugo", "Chloé", "Lucas", "Manon", "Nathan", "Inès", "Théo", "Jade", "Louis", "Sarah",
               "Gabriel", "Emma", "Jules", "Zoé", "Adam", "Alice", "Raphaël", "Lina", "Arthur", "Nora", "Malik"]
LAST_NAMES = ["Bernard", "Dubois", "Moreau", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David",
              "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau"]
CITIES = [("69002", "Lyon"), ("75011", "Paris"), ("13006", "Marseille"), ("31000", "Toulouse"), ("44000", "Nantes"),
          ("33000", "Bordeaux"), ("59000", "Lille"), ("67000", "Strasbourg")]

# Comments by rating, from none to long ones, so relevance (length and extremity) reorders them.
SHORT = {
    1: ["Stopped charging after two weeks.", "Not as described.", "Returned it: the microphone did not work."],
    2: ["Battery weaker than I hoped.", "Scratches on the frame.", "Works, but the screen has a yellow tint."],
    3: ["Does the job.", "OK for the price.", "Fine, a few marks on the back as the grade said."],
    4: ["Good phone, quick delivery.", "Very clean, works well.", "Nice condition, battery at 88 %."],
    5: ["Perfect!", "Like new, very happy.", "Flawless. Bought one for my son too.", "Top 👍"],
}
LONG = {
    1: ["The screen had a dead pixel line on arrival and Face ID did not work at all.\nI sent it back the same "
        "week. The refund came quickly, but I would rather have had a working phone.",
        "Sold as excellent, it arrived with a cracked camera lens and a battery at 79 %, below what the shop "
        "promises. The seller answered after four days only."],
    2: ["The phone works, but the battery was at 81 % and lasts barely a day with normal use. The grade said "
        "excellent, yet there is a visible dent on the bottom edge next to the charging port.",
        "Took nine days to arrive instead of three. The phone itself is fine apart from a loose SIM tray, which "
        "is annoying when you take it out of your pocket."],
    3: ["Average. Everything works, the screen is clean, but the speaker crackles a little at full volume and "
        "the box was a plain brown one without a cable. Fine for a second phone.",
        "It does what a phone should. Some light scratches on the screen that you only notice when it is off. "
        "For the price I expected a little better, for a fair grade it is honest."],
    4: ["Arrived in two days, well packed, with a cable. The battery is at 89 % and lasts all day.\nOne small "
        "scratch on the back that you only see in bright light. I would buy refurbished again.",
        "Good value. The phone looks almost new and everything works: cameras, Face ID, 5G.\nOnly four stars "
        "because the charger was missing from the box, although the listing did not promise one."],
    5: ["I was nervous about buying refurbished, but this one looks brand new: no scratch anywhere, battery at "
        "96 %, and it came with a case and a charger.\n\nSet-up took ten minutes, Face ID and cameras work "
        "perfectly. Half the price of a new one for what feels like a new one. Highly recommended.",
        "Second refurbished phone I buy here and again spotless. Delivered the next day in a sturdy box.",
        "My daughter's birthday present: she could not tell it from a new one. Battery health 100 %, which I "
        "did not expect.\nThe seller even added a screen protector. Thank you!"],
}


def comment_for(rng: random.Random, rating: int) -> str:
    kind = rng.random()
    if kind < 0.2:
        return ""
    if kind < 0.65:
        return rng.choice(SHORT[rating])
    text = rng.choice(LONG[rating])
    # Long comments of different lengths: keep whole sentences so none reads oddly.
    sentences = text.split(". ")
    keep = rng.randint(max(1, len(sentences) - 2), len(sentences))
    cut = ". ".join(sentences[:keep])
    return cut if cut.endswith((".", "!")) else cut + "."


def sub_ratings_for(rng: random.Random, rating: int) -> dict[str, int | None]:
    """Sub-ratings near the overall one, given by about six buyers in ten (kept only where the category has them)."""
    if rng.random() >= 0.6:
        return {}
    return {name: max(1, min(5, rating + rng.choice([-1, 0, 0, 1]))) for name in rules.SUB_RATINGS}
