"""Small usage data sets whose recommendations are known by construction."""

# Two clusters of items that users use together: a1..a3 and b1..b3. Every user
# of a cluster uses all its items, so Jaccard(a1, a2) = 1 and Jaccard(a1, b1) = 0.
CLUSTERED_USAGE = "".join(
    f"u{user},{prefix}{item},2024-01-0{1 + item}T10:00:00\n"
    for user in range(12)
    for prefix in (("a",) if user % 2 == 0 else ("b",))
    for item in (1, 2, 3)
).encode("utf-8")
