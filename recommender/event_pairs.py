"""Events grouped by their (user, item) pair, by one sort: the binary user-item matrix and each pair's latest
event both come from it."""
import numpy as np
import scipy.sparse as sp


class EventPairs:
    """The events of (user code, item code) arrays, ordered by pair (user, then item), then by position.

    Attributes
    ----------
    order : int array, shape (n_events,), event positions by pair (in position order within a pair when
        the positions could be packed beside the keys, in any order otherwise)
    run_starts : bool array, shape (n_events + 1,), True where a distinct pair's run of events starts in
        `order`, and at the end
    keys : int64 array, shape (n_pairs,), the distinct pairs ascending, as user * n_items + item
    shape : (n_users, n_items)
    """

    def __init__(self, user_codes, item_codes, shape: tuple):
        self.shape = shape
        self.order, self.run_starts, self.keys = _events_by_pair(np.asarray(user_codes), np.asarray(item_codes), shape[1])

    def binary_matrix(self) -> sp.csr_matrix:
        """Binary (users x items) int32 CSR with sorted indices: which user used which item."""
        n_users, n_items = self.shape
        n_pairs = self.keys.size
        index_dtype = np.int32 if max(n_pairs, n_items, n_users) < 2**31 else np.int64
        users = np.floor_divide(self.keys, n_items, out=np.empty(n_pairs, index_dtype), casting="unsafe")
        indptr = np.zeros(n_users + 1, dtype=index_dtype)
        np.cumsum(np.bincount(users, minlength=n_users), out=indptr[1:])
        del users
        items = np.remainder(self.keys, n_items, out=np.empty(n_pairs, index_dtype), casting="unsafe")
        return sp.csr_matrix((np.ones(n_pairs, np.int32), items, indptr), shape=self.shape)

    def largest_at_first_events(self, values: np.ndarray) -> np.ndarray:
        """`values` (one per event, float) rewritten in place: at each pair's first event, the largest of the
        pair's values; at its other events, 0. Only the pairs of several events are gathered: most have one."""
        starts = self.run_starts
        repeated = ~(starts[:-1] & starts[1:])  # an event that neither starts nor ends its run alone
        events = self.order[repeated]  # the repeated pairs' events, pair after pair
        if not events.size:
            return values
        run_starts = np.flatnonzero(starts[:-1][repeated])
        largest = np.maximum.reduceat(values[events], run_starts)
        firsts = np.minimum.reduceat(events, run_starts)  # the argsort of wide keys leaves a run unordered
        values[events] = 0.0
        values[firsts] = largest
        return values


def _events_by_pair(user_codes: np.ndarray, item_codes: np.ndarray, n_items: int) -> tuple:
    """(order, run_starts, keys) as EventPairs holds them.

    The pair keys are sorted with the positions packed into their low bits when both fit in 63 bits:
    numpy's vectorised sort of one int64 array in place is 2.6x faster than an argsort (0.48 against 1.26 s
    for 15M keys) and needs no second array of keys.
    """
    n_events = user_codes.size
    if not n_events:
        return np.empty(0, np.int64), np.ones(1, dtype=bool), np.empty(0, np.int64)
    keys = user_codes.astype(np.int64)
    keys *= n_items
    keys += item_codes
    position_bits = max(1, (n_events - 1).bit_length())
    if int(keys.max()).bit_length() + position_bits <= 63:
        keys <<= position_bits
        keys |= np.arange(n_events, dtype=np.int64)
        keys.sort()
        order = np.bitwise_and(keys, (1 << position_bits) - 1,
                               out=np.empty(n_events, np.int32 if n_events < 2**31 else np.int64), casting="unsafe")
        keys >>= position_bits
    else:  # numpy's vectorised argsort, 1.9x a stable one (1.26 against 2.40 s on 15M keys): runs unordered
        order = np.argsort(keys)
        keys = keys[order]
    run_starts = np.empty(n_events + 1, dtype=bool)
    run_starts[0] = run_starts[-1] = True
    np.not_equal(keys[1:], keys[:-1], out=run_starts[1:-1])
    return order, run_starts, keys[run_starts[:-1]]
