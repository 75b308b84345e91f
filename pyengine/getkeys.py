"""Key positions of a full command line, from the command table's key specs.

COMMAND GETKEYS / GETKEYSANDFLAGS use this today; cluster slot checks and
ACL key patterns will use the same answer. It follows Redis 7.0's order of
preference (db.c, getKeysFromCommandWithSpecs):

1. When the command has a key spec that is a real key (no ``not_key`` flag)
   and none of its specs has ``variable_flags``, the key specs decide:
   ``begin_search`` (an argument index, or a keyword searched forwards or
   backwards) then ``find_keys`` (a range, or a count read from an
   argument). A spec that cannot be satisfied (count not a number, range
   past the end, an ``incomplete`` spec) makes the whole answer invalid.
2. Otherwise, or when the specs were invalid, a per-command procedure from
   ``GETKEYS_PROCS`` (Redis's ``getkeys_proc``) answers, when the command
   has one. Commands register theirs by full name.

The result is a list of ``(argument index, [key spec flag names])``, empty
when no key could be found.
"""

from pyengine.config import strict_ll


def _find_first(spec, args):
    """Index of the first key for one key spec's begin_search, or None when
    the keyword is absent; raises ValueError for an unknown search type."""
    bs = spec["begin_search"]
    argc = len(args)
    if bs["type"] == "index":
        return bs["spec"]["index"]
    if bs["type"] != "keyword":
        raise ValueError("unknown begin_search")
    kw = bs["spec"]["keyword"].lower().encode()
    startfrom = bs["spec"]["startfrom"]
    start = startfrom if startfrom > 0 else argc + startfrom
    end = argc - 1 if startfrom > 0 else 1
    i = start
    # Like Redis, the end index itself is not examined.
    while i != end:
        if i >= argc or i < 1:
            break
        if args[i].split(b"\0", 1)[0].lower() == kw:
            return i + 1
        i = i + 1 if start <= end else i - 1
    return None


def keys_from_specs(cmd, args):
    """getKeysUsingKeySpecs. Returns the key list, or None when a spec
    cannot be satisfied (the caller may fall back to a getkeys procedure)."""
    out = []
    argc = len(args)
    for spec in cmd.spec["key_specs"]:
        flags = spec["flags"]
        if "not_key" in flags:
            continue
        try:
            first = _find_first(spec, args)
        except ValueError:
            return None
        if first is None:
            continue
        fk = spec["find_keys"]
        if fk["type"] == "range":
            step = fk["spec"]["keystep"]
            lastkey, limit = fk["spec"]["lastkey"], fk["spec"]["limit"]
            if lastkey >= 0:
                last = first + lastkey
            elif not limit:
                last = argc + lastkey
            else:
                last = first + ((argc - first) // limit + lastkey)
        elif fk["type"] == "keynum":
            step = fk["spec"]["keystep"]
            idx = first + fk["spec"]["keynumidx"]
            if idx >= argc:
                return None
            try:
                numkeys = strict_ll(args[idx].decode("latin-1"))
            except ValueError:
                return None
            if numkeys < 0:
                return None
            first += fk["spec"]["firstkey"]
            last = first + numkeys - 1
        else:
            return None
        if last >= argc or last < first or first >= argc:
            return None
        i = first
        while i <= last:
            if i < argc:
                out.append((i, list(flags)))
            i += step
        if "incomplete" in flags:
            return None
    return out


def has_keys(cmd):
    """doesCommandHaveKeys: a getkeys procedure or a real-key spec."""
    if cmd.fullname in GETKEYS_PROCS:
        return True
    return any("not_key" not in ks["flags"] for ks in cmd.spec["key_specs"])


def get_keys(cmd, args):
    """getKeysFromCommandWithSpecs: [(index, flags)] for a full command line
    ``args`` (args[0] is the command name). Empty when there are none or the
    arguments do not allow finding them."""
    specs = cmd.spec["key_specs"]
    real = any("not_key" not in ks["flags"] for ks in specs)
    variable = any("variable_flags" in ks["flags"] for ks in specs)
    if real and not variable:
        keys = keys_from_specs(cmd, args)
        if keys is not None:
            return keys
    proc = GETKEYS_PROCS.get(cmd.fullname)
    if proc is not None:
        return proc(cmd, args)
    return []


# ---- getkeys procedures (commands whose key flags depend on the arguments) ----

def _set_getkeys(cmd, args):
    """SET: the key is read too when the GET option is present."""
    for a in args[3:]:
        if a.split(b"\0", 1)[0].lower() == b"get":
            return [(1, ["RW", "access", "update"])]
    return [(1, ["OW", "update"])]


def _xread_getkeys(cmd, args):
    """XREAD / XREADGROUP (xreadGetKeys): the keys after the STREAMS option,
    skipping the options' arguments ("STREAMS" may also be a group or key
    name); none when the stream/ID list is missing or unbalanced."""
    argc = len(args)
    streams_pos = -1
    i = 1
    while i < argc:
        arg = args[i].split(b"\0", 1)[0].lower()
        if arg in (b"block", b"count"):
            i += 1
        elif arg == b"group":
            i += 2
        elif arg == b"noack":
            pass
        elif arg == b"streams":
            streams_pos = i
            break
        else:
            break
        i += 1
    num = argc - streams_pos - 1 if streams_pos != -1 else 0
    if streams_pos == -1 or num == 0 or num % 2:
        return []
    num //= 2
    return [(k, []) for k in range(streams_pos + 1, argc - num)]


def _sort_getkeys(cmd, args):
    """SORT (Redis's sortGetKeys): the sorted key, and the destination of
    the last STORE that has an argument after it. Options are skipped with
    their arguments (LIMIT 2, GET 1, BY 1) so that a pattern spelled
    "store" is not taken for the keyword; an unknown word counts as an
    option without arguments. BY/GET patterns name keys too, but only once
    the data is known: they are not reported, as in Redis."""
    keys = [(1, ["RO", "access"])]
    store = None
    skip = {b"limit": 2, b"get": 1, b"by": 1}
    i = 2
    while i < len(args):
        word = args[i].split(b"\0", 1)[0].lower()
        if word in skip:
            i += skip[word]
        elif word == b"store" and i + 1 < len(args):
            store = i + 1
        i += 1
    if store is not None:
        keys.append((store, ["OW", "update"]))
    return keys


def _sort_ro_getkeys(cmd, args):
    """SORT_RO: only the sorted key (it has no STORE)."""
    return [(1, ["RO", "access"])]


GETKEYS_PROCS = {
    "set": _set_getkeys,
    "xread": _xread_getkeys,
    "xreadgroup": _xread_getkeys,
    "sort": _sort_getkeys,
    "sort_ro": _sort_ro_getkeys,
}
