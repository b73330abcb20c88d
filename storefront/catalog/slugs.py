"""The one way a name becomes a URL slug: ASCII letters and digits joined by dashes ("Galaxy S23 Ultra" →
"galaxy-s23-ultra"). The demo catalogue and approved catalogue requests make their slugs with it."""
from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
