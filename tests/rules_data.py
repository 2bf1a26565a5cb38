"""Usage and catalog data whose rankings under business rules (issue 11) are known by construction.

With Cooccurrence similarity and support threshold 1, a score is a count of users. For each item x of
CO_USERS, c users used the seed `s` and x, and nothing else, so the row of `s` ranks

    a1 8, a2 7, b1 6, a3 5, a4 4, b2 3, n1 2, b3 1        (categories: aN -> A, bN -> B, n1 none)

The items of ALONE_USERS were used alone, by many users: ap (A) 20, bp (B) 15, np (none) 10. Backfill
order (distinct users): s 36, ap 20, bp 15, np 10, a1 8, a2 7, b1 6, ...
"""

CO_USERS = {"a1": 8, "a2": 7, "b1": 6, "a3": 5, "a4": 4, "b2": 3, "n1": 2, "b3": 1}
ALONE_USERS = {"ap": 20, "bp": 15, "np": 10}
CATEGORIES = {"s": "", "a1": "A", "a2": "A", "a3": "A", "a4": "A", "ap": "A", "b1": "B", "b2": "B", "b3": "B",
              "bp": "B", "n1": "", "np": ""}
"""Each item's catalog category; blank: none."""
TRAINING_PARAMETERS = {"supportThreshold": 1, "similarityFunction": "Cooccurrence"}
"""The REST API's model parameters that make scores counts of users."""


def usage_pairs() -> tuple:
    """(user ids, item ids) of every usage event."""
    users, items = [], []
    for item, count in CO_USERS.items():
        for user in range(count):
            users += [f"{item}-u{user}"] * 2
            items += ["s", item]
    for item, count in ALONE_USERS.items():
        users += [f"{item}-u{user}" for user in range(count)]
        items += [item] * count
    return users, items


RULES_USAGE = "".join(f"{user},{item}\n" for user, item in zip(*usage_pairs())).encode("utf-8")
"""The usage events as a usage CSV (userId,itemId)."""
RULES_CATALOG = "".join(f"{item},Item {item},{category},about {item}\n"
                        for item, category in CATEGORIES.items()).encode("utf-8")
"""The catalog CSV (itemId,itemName,itemCategory,description) of every item."""
