"""A block of users' recommendations as the bytes of one output part: CSV rows or JSON lines."""
import csv
import io
import json

import numpy as np

from recommender.batch import BlockRecommendations

CSV_HEADER = ("userId", "rank", "itemId", "score")
FORMATS = ("csv", "jsonl")
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl"}


def format_block(user_ids: np.ndarray, item_ids: np.ndarray, block: BlockRecommendations, output_format: str,
                 header: bool = True) -> bytes:
    """The block as UTF-8 text: CSV `userId,rank,itemId,score` (rank from 1; a header in every part, so
    each part reads alone), or one JSON object per user
    `{"userId", "recommendations": [{"recommendedItemId", "score"}]}` (the recommend route's answer)."""
    users = user_ids[block.user_rows].tolist()
    items = item_ids[block.item_indices].tolist()
    scores = block.scores.tolist()  # floats print as the route's JSON prints them (shortest round trip)
    counts = block.counts.tolist()
    if output_format == "jsonl":
        return _json_lines(users, counts, items, scores)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(CSV_HEADER)
    at = 0
    for user, count in zip(users, counts):
        writer.writerows(zip([user] * count, range(1, count + 1), items[at:at + count], scores[at:at + count]))
        at += count
    return out.getvalue().encode("utf-8")


def _json_lines(users: list, counts: list, items: list, scores: list) -> bytes:
    lines, at = [], 0
    for user, count in zip(users, counts):
        answer = [{"recommendedItemId": item, "score": score}
                  for item, score in zip(items[at:at + count], scores[at:at + count])]
        lines.append(json.dumps({"userId": user, "recommendations": answer}, separators=(",", ":")))
        at += count
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
