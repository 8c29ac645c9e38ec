"""Synthetic voter rolls (fictional names) for benchmarks and tests."""

from __future__ import annotations

import random

FIRST = ["Camille", "Louise", "Jade", "Léo", "Gabriel", "Inès", "Hugo", "Chloé", "Nathan",
         "Manon", "Lucas", "Zoé", "Yasmine", "Mohamed", "Élodie", "Théo", "Anaïs", "Rose"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "N'Diaye"]
STREETS = ["rue des Lilas", "avenue de la Gare", "place du Marché", "chemin du Lavoir",
           "boulevard Victor-Hugo", "impasse des Tilleuls"]
HEADER = "numero_electeur;nom;prenoms;date_naissance;adresse;code_postal;quartier\n"


def roll_lines(count: int, seed: int = 7, districts=("nord", "sud"), start: int = 1):
    rng = random.Random(seed)
    for i in range(start, start + count):
        year = rng.randint(1930, 2010)
        yield (f"V{i:07d};{rng.choice(LAST)};{rng.choice(FIRST)} {rng.choice(FIRST)};"
               f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year};"
               f"{rng.randint(1, 200)} {rng.choice(STREETS)};4{rng.randint(5000, 5999)};"
               f"{rng.choice(districts)}\n")


def write_roll(path, count: int, seed: int = 7, **kwargs) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(HEADER)
        handle.writelines(roll_lines(count, seed, **kwargs))
