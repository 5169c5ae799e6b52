"""The demo workspace's fixed vocabulary: contact types, field names, default statuses, name and
company pools, countries and cities; ``iso`` for API timestamps. Shared by the tenant, its
filters and the demo generator."""

from __future__ import annotations

import time

import numpy as np

DAY = 86_400
WINDOW_DAYS = 548  # about 18 months
NEVER = np.iinfo(np.int64).max
TYPES = ("lead", "customer", "guest")
LEAD, CUSTOMER, GUEST = 0, 1, 2
STRING_FIELDS = ("firstname", "lastname", "company", "email", "phone", "city", "description", "state", "zip",
                 "address")

STATUSES = (("New Lead", "#3B82F6"), ("Contacted", "#F59E0B"), ("Qualified", "#8B5CF6"),
            ("Customer", "#22C55E"), ("Lost", "#EF4444"))
NEW_LEAD, CONTACTED, QUALIFIED, CUSTOMER_STATUS, LOST = 1, 2, 3, 4, 5

ARABIC_FIRST = (("محمد", "Mohammed"), ("أحمد", "Ahmed"), ("عبدالله", "Abdullah"), ("فاطمة", "Fatima"),
                ("نورة", "Noura"), ("سارة", "Sara"), ("خالد", "Khalid"), ("عمر", "Omar"), ("ريم", "Reem"),
                ("يوسف", "Youssef"), ("ليلى", "Layla"), ("حسن", "Hassan"), ("مريم", "Maryam"),
                ("سلطان", "Sultan"), ("هند", "Hind"), ("فيصل", "Faisal"), ("منى", "Mona"), ("طارق", "Tarek"),
                ("دينا", "Dina"), ("ياسمين", "Yasmin"), ("عائشة", "Aisha"), ("إبراهيم", "Ibrahim"))
LATIN_FIRST = ("John", "Priya", "Maria", "Rahul", "Anna", "David", "Sofia", "James", "Elena", "Arjun")
ARABIC_LAST = (("العتيبي", "Al-Otaibi"), ("القحطاني", "Al-Qahtani"), ("الشمري", "Al-Shammari"),
               ("المنصوري", "Al-Mansouri"), ("الهاشمي", "Al-Hashimi"), ("حسن", "Hassan"),
               ("إبراهيم", "Ibrahim"), ("عبدالرحمن", "Abdelrahman"), ("السيد", "El-Sayed"),
               ("مصطفى", "Mostafa"), ("الزهراني", "Al-Zahrani"), ("الكعبي", "Al-Kaabi"),
               ("الدوسري", "Al-Dosari"), ("النعيمي", "Al-Nuaimi"), ("فهمي", "Fahmy"))
LATIN_LAST = ("Smith", "Fernandes", "Khan", "Sharma", "Garcia", "Nair", "Brown", "Silva")
COMPANIES = ("Al Noor Trading", "Desert Bloom Co", "Gulf Star Logistics", "Nile Crafts", "Oasis Boutique",
             "Red Sea Foods", "Falcon Tech", "Palm Interiors", "Sahara Events", "Blue Dhow Travel")
# (country_id, share, phone prefix, cities): ids are this workspace's numeric country ids.
COUNTRIES = ((194, 0.55, "+9665", ("Riyadh", "Jeddah", "Dammam", "Makkah", "Madinah", "Khobar")),
             (229, 0.25, "+9715", ("Dubai", "Abu Dhabi", "Sharjah", "Ajman")),
             (64, 0.20, "+2010", ("Cairo", "Alexandria", "Giza", "Mansoura")))
CITIES = tuple(c for _, _, _, cities in COUNTRIES for c in cities)

FIRST_POOL = tuple(a for a, _ in ARABIC_FIRST) + tuple(l for _, l in ARABIC_FIRST) + LATIN_FIRST
FIRST_LATIN = tuple(l for _, l in ARABIC_FIRST) * 2 + LATIN_FIRST
LAST_POOL = tuple(a for a, _ in ARABIC_LAST) + tuple(l for _, l in ARABIC_LAST) + LATIN_LAST
LAST_LATIN = tuple(l for _, l in ARABIC_LAST) * 2 + LATIN_LAST


def iso(ts: int | float | None) -> str | None:
    """API timestamp text for Unix seconds: ``YYYY-MM-DDTHH:MM:SS+00:00`` (contract §4.3)."""
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(int(ts)))
