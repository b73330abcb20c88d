"""Real-world-looking names for the demo: categories, brands, product families, sellers.

Prices are the new-device reference prices in cents, per storage option.
"""
from __future__ import annotations

# (slug, name, parent slug or None, description)
CATEGORIES: list[tuple[str, str, str | None, str]] = [
    ("smartphones", "Smartphones", None, "Refurbished phones, tested and graded, from professional refurbishers."),
    ("tablets", "Tablets", None, "Refurbished tablets for reading, drawing and work."),
    ("laptops", "Laptops", None, "Refurbished laptops, from ultrabooks to gaming machines."),
    ("ultrabooks", "Ultrabooks", "laptops", "Thin and light refurbished laptops."),
    ("gaming-laptops", "Gaming laptops", "laptops", "Refurbished laptops with dedicated graphics."),
    ("smartwatches", "Smartwatches", None, "Refurbished smartwatches and fitness trackers."),
    ("consoles", "Consoles", None, "Refurbished game consoles."),
    ("audio", "Audio", None, "Refurbished headphones and speakers."),
    ("headphones", "Headphones", "audio", "Refurbished headphones and earbuds."),
    ("speakers", "Speakers", "audio", "Refurbished portable and home speakers."),
]

# (brand, category slug, model names, storage options in GB (None: not applicable),
#  base new price in cents for the smallest storage, colours, release years)
FAMILIES: list[tuple[str, str, list[str], list[int | None], int, list[tuple[str, str]], int]] = [
    ("Apple", "smartphones", ["iPhone 11", "iPhone 12", "iPhone 13", "iPhone 14", "iPhone 15"],
     [64, 128, 256], 69_900,
     [("Midnight", "#1f2430"), ("Starlight", "#f3eee3"), ("Blue", "#3b5c8c"), ("Pink", "#f4c6cf")], 2019),
    ("Apple", "smartphones", ["iPhone 13 Pro", "iPhone 14 Pro"],
     [128, 256, 512], 115_900, [("Graphite", "#4b4a48"), ("Sierra Blue", "#9bb5ce")], 2021),
    ("Samsung", "smartphones", ["Galaxy S21", "Galaxy S22", "Galaxy S23"],
     [128, 256], 85_900,
     [("Phantom Black", "#1c1c1e"), ("Cream", "#efe6d5"), ("Green", "#5b7a5e"), ("Lavender", "#b9a9d6")], 2021),
    ("Samsung", "smartphones", ["Galaxy Z Flip 4", "Galaxy Z Fold 4"],
     [256, 512], 109_900, [("Graphite", "#505052"), ("Bora Purple", "#a78bc9")], 2022),
    ("Samsung", "smartphones", ["Galaxy A53", "Galaxy A54"],
     [128, 256], 44_900, [("Awesome Black", "#222222"), ("Awesome White", "#f5f5f5")], 2022),
    ("Google", "smartphones", ["Pixel 6", "Pixel 7", "Pixel 8"],
     [128, 256], 64_900, [("Obsidian", "#202124"), ("Snow", "#f1f3f4"), ("Hazel", "#8f8a6b")], 2021),
    ("Xiaomi", "smartphones", ["Redmi Note 12", "Xiaomi 13T"],
     [128, 256], 32_900, [("Onyx Grey", "#3c3f44"), ("Mint Green", "#a8d5ba")], 2023),
    ("OnePlus", "smartphones", ["OnePlus 10 Pro", "OnePlus 11"],
     [128, 256], 79_900, [("Volcanic Black", "#181818"), ("Emerald Forest", "#2f5d50")], 2022),
    ("Fairphone", "smartphones", ["Fairphone 4", "Fairphone 5"],
     [128, 256], 57_900, [("Matte Black", "#2a2a2a"), ("Sky Blue", "#8fb8de")], 2021),
    ("Apple", "tablets", ["iPad 9th gen", "iPad Air 5", "iPad Pro 11"],
     [64, 256], 42_900,
     [("Space Grey", "#5e5f62"), ("Silver", "#d9dadc"), ("Purple", "#b7a6d1")], 2021),
    ("Samsung", "tablets", ["Galaxy Tab S8", "Galaxy Tab A8"],
     [64, 128], 29_900, [("Graphite", "#505052"), ("Silver", "#cfd0d2")], 2022),
    ("Lenovo", "tablets", ["Tab P11"], [64, 128], 27_900, [("Slate Grey", "#5a5f66"), ("Oat", "#e5dccb")], 2021),
    ("Apple", "ultrabooks", ["MacBook Air M1", "MacBook Air M2", "MacBook Pro 14"],
     [256, 512], 119_900, [("Space Grey", "#5e5f62"), ("Silver", "#d9dadc")], 2020),
    ("Dell", "ultrabooks", ["XPS 13", "Latitude 7420"], [256, 512], 109_900, [("Platinum Silver", "#c9c9cb")], 2021),
    ("HP", "ultrabooks", ["EliteBook 840 G8", "Spectre x360"], [256, 512], 99_900,
     [("Natural Silver", "#c5c6c8")], 2021),
    ("Lenovo", "ultrabooks", ["ThinkPad X1 Carbon", "ThinkPad T14"], [256, 512], 129_900, [("Black", "#1d1d1d")], 2021),
    ("Microsoft", "ultrabooks", ["Surface Laptop 4"], [256, 512], 109_900, [("Platinum", "#d6d4d0")], 2021),
    ("Asus", "gaming-laptops", ["ROG Zephyrus G14", "TUF Gaming F15"], [512, 1024], 139_900,
     [("Eclipse Grey", "#3d3f44")], 2022),
    ("HP", "gaming-laptops", ["Omen 16", "Victus 15"], [512, 1024], 109_900, [("Shadow Black", "#202020")], 2022),
    ("Lenovo", "gaming-laptops", ["Legion 5"], [512, 1024], 119_900, [("Phantom Blue", "#2b3441")], 2022),
    ("Apple", "smartwatches", ["Apple Watch Series 7", "Apple Watch Series 8", "Apple Watch SE"],
     [None], 42_900, [("Midnight", "#1f2430"), ("Starlight", "#f3eee3"), ("Red", "#b3132b")], 2021),
    ("Samsung", "smartwatches", ["Galaxy Watch 5", "Galaxy Watch 6"], [None], 29_900,
     [("Graphite", "#505052"), ("Silver", "#cfd0d2")], 2022),
    ("Garmin", "smartwatches", ["Forerunner 255", "Venu 2"], [None], 34_900,
     [("Slate Grey", "#5a5f66"), ("White", "#f4f4f4")], 2022),
    ("Sony", "consoles", ["PlayStation 5", "PlayStation 4 Pro"], [825, 1000], 54_900, [("White", "#f4f4f4")], 2020),
    ("Microsoft", "consoles", ["Xbox Series X", "Xbox Series S"], [512, 1000], 49_900,
     [("Carbon Black", "#1a1a1a"), ("Robot White", "#f2f2f2")], 2020),
    ("Nintendo", "consoles", ["Switch OLED", "Switch Lite"], [32, 64], 34_900,
     [("Neon Red/Blue", "#e60012"), ("White", "#f4f4f4")], 2021),
    ("Sony", "headphones", ["WH-1000XM4", "WH-1000XM5", "WF-1000XM4"], [None], 37_900,
     [("Black", "#1d1d1d"), ("Silver", "#cfd0d2")], 2020),
    ("Apple", "headphones", ["AirPods Pro 2", "AirPods Max", "AirPods 3"], [None], 27_900,
     [("White", "#f4f4f4"), ("Space Grey", "#5e5f62")], 2021),
    ("Bose", "headphones", ["QuietComfort 45", "QuietComfort Earbuds II"], [None], 32_900,
     [("Black", "#1d1d1d"), ("White Smoke", "#ecebe8")], 2021),
    ("JBL", "speakers", ["Flip 6", "Charge 5", "Boombox 3"], [None], 14_900,
     [("Black", "#1d1d1d"), ("Blue", "#2563a8"), ("Red", "#b3132b")], 2021),
    ("Bose", "speakers", ["SoundLink Flex"], [None], 15_900, [("Black", "#1d1d1d"), ("Stone Blue", "#6c7f93")], 2021),
    ("Huawei", "smartphones", ["P30 Pro", "P40"], [128, 256], 59_900,
     [("Black", "#1d1d1d"), ("Aurora", "#5a8fb8")], 2019),
    ("Motorola", "smartphones", ["Edge 30", "Moto G84"], [128, 256], 34_900,
     [("Meteor Grey", "#4a4d52"), ("Viva Magenta", "#a0244e")], 2022),
]

SELLER_NAMES = [
    "ReNew Lab", "Second Wave Devices", "Atelier Reboot", "Phoenix Tech", "CircuitCare",
    "Green Byte", "Loop Electronics", "Revive Mobile", "TechAgain", "Nouvelle Vie Numérique",
    "Boomerang Devices", "Kappa Refurb", "Mint Condition Co", "ByteBack", "Ecoligne",
    "Restart Workshop", "Silverline Repair", "Orbit Refurbished", "ClearGrade", "Evergreen IT",
    "Reloop Paris", "Nordic Refurb", "Solder & Sons", "PixelCare Lyon", "Upcycle Gadgets",
]

CITIES = [
    ("12 rue de la République", "69002 Lyon", "FR"), ("4 quai de Jemmapes", "75010 Paris", "FR"),
    ("27 Hauptstraße", "10827 Berlin", "DE"), ("9 calle Mayor", "28013 Madrid", "ES"),
    ("31 via Roma", "20121 Milano", "IT"), ("8 rue Sainte-Catherine", "33000 Bordeaux", "FR"),
    ("15 Keizersgracht", "1015 Amsterdam", "NL"), ("3 place du Capitole", "31000 Toulouse", "FR"),
]

PAYMENT_MEANS = ("card", "paypal", "instalments", "bank_transfer")

# Product safety (GPSR) per brand: (manufacturer, postal address, country, e-mail, and the person responsible in
# the EU when the manufacturer is outside it: (name, address, e-mail) or None). Plausible demo entities, not
# anyone's published contact details: every e-mail is under `.example`.
MANUFACTURERS: dict[str, tuple[str, str, str, str, tuple[str, str, str] | None]] = {
    "Apple": ("Apple Distribution International Ltd", "Hollyhill Industrial Estate, Hollyhill, Cork, T23 YK84, Ireland",
              "IE", "product-safety@apple.example", None),
    "Samsung": ("Samsung Electronics GmbH", "Am Kronberger Hang 6, 65824 Schwalbach am Taunus, Germany", "DE",
                "product-safety@samsung.example", None),
    "Fairphone": ("Fairphone B.V.", "Jollemanhof 17, 1019 GW Amsterdam, Netherlands", "NL",
                  "safety@fairphone.example", None),
    "Google": ("Google LLC", "1600 Amphitheatre Parkway, Mountain View, CA 94043, United States", "US",
               "product-safety@google.example",
               ("Google Ireland Limited", "Gordon House, Barrow Street, Dublin 4, D04 E5W5, Ireland",
                "eu-safety@google.example")),
    "Xiaomi": ("Xiaomi Communications Co., Ltd.", "Xiaomi Campus, Anningzhuang Road, Haidian District, Beijing, China",
               "CN", "product-safety@xiaomi.example",
               ("Xiaomi Technology Netherlands B.V.", "Prinses Beatrixlaan 582, 2595 BM The Hague, Netherlands",
                "eu-safety@xiaomi.example")),
    "OnePlus": ("OnePlus Technology (Shenzhen) Co., Ltd.", "Tairan Building, Futian District, Shenzhen, China", "CN",
                "product-safety@oneplus.example",
                ("OnePlus Europe B.V.", "Herikerbergweg 292, 1101 CT Amsterdam, Netherlands",
                 "eu-safety@oneplus.example")),
    "Huawei": ("Huawei Technologies Co., Ltd.", "Bantian, Longgang District, Shenzhen, China", "CN",
               "product-safety@huawei.example",
               ("Huawei Technologies Düsseldorf GmbH", "Hansaallee 205, 40549 Düsseldorf, Germany",
                "eu-safety@huawei.example")),
    "Motorola": ("Motorola Mobility LLC", "222 West Merchandise Mart Plaza, Chicago, IL 60654, United States", "US",
                 "product-safety@motorola.example",
                 ("Motorola Mobility Germany GmbH", "Gutenbergstraße 10, 70771 Leinfelden-Echterdingen, Germany",
                  "eu-safety@motorola.example")),
    "Lenovo": ("Lenovo PC International Ltd", "Lenovo Building, 979 King's Road, Quarry Bay, Hong Kong", "HK",
               "product-safety@lenovo.example",
               ("Lenovo (Deutschland) GmbH", "Meitnerstraße 9, 70563 Stuttgart, Germany", "eu-safety@lenovo.example")),
    "Dell": ("Dell Inc.", "One Dell Way, Round Rock, TX 78682, United States", "US", "product-safety@dell.example",
             ("Dell Products", "Raheen Business Park, Limerick, Ireland", "eu-safety@dell.example")),
    "HP": ("HP Inc.", "1501 Page Mill Road, Palo Alto, CA 94304, United States", "US", "product-safety@hp.example",
           ("HP Deutschland GmbH", "Schickardstraße 32, 71034 Böblingen, Germany", "eu-safety@hp.example")),
    "Microsoft": ("Microsoft Corporation", "One Microsoft Way, Redmond, WA 98052, United States", "US",
                  "product-safety@microsoft.example",
                  ("Microsoft Ireland Operations Limited", "One Microsoft Place, South County Business Park, "
                   "Leopardstown, Dublin 18, Ireland", "eu-safety@microsoft.example")),
    "Asus": ("ASUSTeK Computer Inc.", "No. 15, Li-Te Road, Beitou District, Taipei 112, Taiwan", "TW",
             "product-safety@asus.example",
             ("ASUS Computer GmbH", "Harkortstraße 21-23, 40880 Ratingen, Germany", "eu-safety@asus.example")),
    "Garmin": ("Garmin International, Inc.", "1200 East 151st Street, Olathe, KS 66062, United States", "US",
               "product-safety@garmin.example",
               ("Garmin Würzburg GmbH", "Beethovenstraße 1a, 97080 Würzburg, Germany", "eu-safety@garmin.example")),
    "Sony": ("Sony Group Corporation", "1-7-1 Konan, Minato-ku, Tokyo 108-0075, Japan", "JP",
             "product-safety@sony.example",
             ("Sony Europe B.V.", "Da Vincilaan 7-D1, 1930 Zaventem, Belgium", "eu-safety@sony.example")),
    "Nintendo": ("Nintendo Co., Ltd.", "11-1 Hokotate-cho, Kamitoba, Minami-ku, Kyoto 601-8501, Japan", "JP",
                 "product-safety@nintendo.example",
                 ("Nintendo of Europe SE", "Goldsteinstraße 235, 60528 Frankfurt am Main, Germany",
                  "eu-safety@nintendo.example")),
    "Bose": ("Bose Corporation", "100 The Mountain Road, Framingham, MA 01701, United States", "US",
             "product-safety@bose.example",
             ("Bose Products B.V.", "Gorslaan 60, 1441 RG Purmerend, Netherlands", "eu-safety@bose.example")),
    "JBL": ("Harman International Industries, Inc.", "400 Atlantic Street, Stamford, CT 06901, United States", "US",
            "product-safety@jbl.example",
            ("Harman Deutschland GmbH", "Parkring 3, 85748 Garching bei München, Germany", "eu-safety@jbl.example")),
}

# Product type and warnings per category (GPSR Art. 19(c) and (e)).
_BATTERY = ("Contains a lithium-ion battery: do not open, puncture, crush or heat it, and do not expose it to fire "
            "or to temperatures above 45 °C. Charge only with a certified charger and cable. Stop using the device "
            "and contact the seller if the battery swells, leaks or overheats.")
_REFURBISHED = ("Refurbished device: tested by the seller; the battery holds at least 80 % of its original "
                "capacity.")
PRODUCT_SAFETY: dict[str, tuple[str, str]] = {
    "smartphones": ("Smartphone (mobile phone)", f"{_BATTERY} Keep at least 5 mm away from implanted medical "
                    f"devices such as pacemakers. Listening at high volume for long periods may damage hearing. "
                    f"{_REFURBISHED}"),
    "tablets": ("Tablet computer", f"{_BATTERY} Keep at least 15 cm away from implanted medical devices. "
                f"{_REFURBISHED}"),
    "ultrabooks": ("Laptop computer", f"{_BATTERY} Use only the supplied or an equivalent certified power adapter; "
                   f"do not block the ventilation openings or use it on soft surfaces for long periods. "
                   f"{_REFURBISHED}"),
    "gaming-laptops": ("Gaming laptop computer", f"{_BATTERY} Parts of the case may become hot under load: do not "
                       f"keep it on your lap for long periods, and do not block the ventilation openings. "
                       f"{_REFURBISHED}"),
    "smartwatches": ("Smartwatch", f"{_BATTERY} Stop wearing it if your skin becomes red, swollen or itchy. Not a "
                     f"medical device: its readings are not for diagnosis. {_REFURBISHED}"),
    "consoles": ("Video game console", "Use only the supplied power cable. Keep the ventilation openings clear and "
                 "place the console on a stable, hard surface. Take a 15-minute break every hour of play; some "
                 "people may have seizures when exposed to flashing lights. Controllers contain lithium-ion "
                 "batteries: do not open or heat them. Refurbished device, tested by the seller."),
    "headphones": ("Wireless headphones", f"{_BATTERY} Listening at high volume for long periods may damage hearing; "
                   f"keep the volume moderate. Small parts (ear tips): keep away from children under 3. "
                   f"{_REFURBISHED}"),
    "speakers": ("Portable wireless speaker", f"{_BATTERY} Water resistance decreases with age: do not submerge a "
                 f"refurbished speaker. Listening at high volume for long periods may damage hearing. "
                 f"{_REFURBISHED}"),
}
