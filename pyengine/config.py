"""Configuration: one table of parameters, redis.conf parsing, CONFIG GET/SET.

Each ``Param`` declares a parameter once: its name and alias, its kind
(bool, int, memory, enum, string, or a special parser), default, bounds,
whether CONFIG SET may change it, and the Server field it drives. Names,
defaults, bounds and error texts are Redis 7.0's, so CONFIG GET/SET and
config files behave the same.

Only parameters pyengine implements are declared; ``Config.notes`` lists
those that are accepted for compatibility but whose feature lands in a later
issue (persistence), so nothing is silently ignored.

Values are kept in their parsed form (``Config.values``); ``render`` gives
CONFIG GET's text. ``apply`` pushes hot values into the Server's C fields.
"""

import os
import re

from engine.util import py_stringmatch


class ConfigError(Exception):
    """A bad value: the text is Redis's reason (e.g. "argument must be 'yes' or 'no'")."""


MEMORY_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000 ** 2, "mb": 1024 ** 2,
                "g": 1000 ** 3, "gb": 1024 ** 3}


def memtoull(text):
    """Redis's memtoull: digits followed by an optional unit (b, k, kb, m,
    mb, g, gb, any case). No digits reads as 0 and the digits saturate
    like strtoull and the product wraps at 64 bits (no overflow check in
    Redis 7.0). Stops at a NUL."""
    text = text.split("\0", 1)[0]
    if text.startswith("-"):
        raise ValueError
    m = re.match(r"(\d*)(.*)$", text, re.S)
    digits, unit = m.group(1), m.group(2).lower()
    if unit not in MEMORY_UNITS or len(digits) >= 128:
        raise ValueError
    mul = MEMORY_UNITS[unit]
    val = min(int(digits or "0"), 2 ** 64 - 1)
    return (val * mul) % 2 ** 64


def format_memory(n):
    """rewriteConfigFormatMemory: the largest of gb/mb/kb dividing n."""
    for unit, size in (("gb", 1024 ** 3), ("mb", 1024 ** 2), ("kb", 1024)):
        if n and n % size == 0:
            return "%d%s" % (n // size, unit)
    return "%d" % n


def strict_ll(text):
    """string2ll: canonical decimal only."""
    if not re.fullmatch(r"0|-?[1-9][0-9]*", text) or len(text) >= 21:
        raise ValueError
    v = int(text)
    if not -2 ** 63 <= v < 2 ** 63:
        raise ValueError
    return v


def c_strtoll(text):
    """strtoll(text, &end, 10) with the check that the whole text was used:
    leading whitespace and a sign allowed, "" is 0. Returns the value or
    raises ValueError. Out-of-range values saturate, as strtoll does."""
    text = text.split("\0", 1)[0]
    m = re.fullmatch(r"[ \t\n\v\f\r]*([-+]?)(\d*)", text)
    if m is None or (not m.group(2) and text.strip(" \t\n\v\f\r")):
        raise ValueError(text)
    v = int(m.group(2) or "0")
    if m.group(1) == "-":
        v = -v
    return min(max(v, -2 ** 63), 2 ** 63 - 1)


def _c(text):
    """A value as C string functions see it: up to its first NUL."""
    return text.split("\0", 1)[0]


class Param:
    kind = "string"

    def __init__(self, name, default, alias=None, mutable=True, protected=False,
                 multi_arg=False, hidden=False, sensitive=False):
        self.name = name
        self.alias = alias
        self.default = default
        self.mutable = mutable
        self.protected = protected
        self.multi_arg = multi_arg
        self.hidden = hidden
        self.sensitive = sensitive

    def parse(self, args):
        """args: list of str (one item unless multi_arg). Returns the value."""
        return args[0]

    def parse_update(self, args, current):
        """The new value given the current one (most parameters replace it;
        client-output-buffer-limit updates only the classes named)."""
        return self.parse(args)

    def render(self, value):
        return "" if value is None else str(value)

    def rewrite_lines(self, value):
        """CONFIG REWRITE: [(line, force)]. A forced line is written even
        when the file does not mention the parameter; an empty list means
        the parameter must not appear at all."""
        if value is None:
            return []
        return [("%s %s" % (self.name, _repr_arg(value)), value != self.default)]


class BoolParam(Param):
    kind = "bool"

    def parse(self, args):
        v = _c(args[0]).lower()
        if v == "yes":
            return True
        if v == "no":
            return False
        raise ConfigError("argument must be 'yes' or 'no'")

    def render(self, value):
        return "yes" if value else "no"

    def rewrite_lines(self, value):
        return [("%s %s" % (self.name, self.render(value)), value != self.default)]


class IntParam(Param):
    kind = "int"

    def __init__(self, name, default, lo, hi, memory=False, unsigned=False, octal=False,
                 percent=False, clamp=None, **kw):
        super().__init__(name, default, **kw)
        self.lo, self.hi = lo, hi
        self.clamp = clamp          # (lo, hi) the stored value is capped to (hz)
        self.memory, self.unsigned, self.octal, self.percent = memory, unsigned, octal, percent

    def parse(self, args):
        text = args[0]
        value = None
        if self.memory:
            try:
                value = memtoull(text)
                if value >= 2 ** 63 and not self.unsigned:
                    value -= 2 ** 64
            except ValueError:
                value = None
        if value is None and self.percent and len(text) > 1 and text.endswith("%"):
            try:
                v = strict_ll(text[:-1])
                if v >= 0:
                    value = -v
            except ValueError:
                pass
        if value is None and self.octal:
            try:
                value = int(text, 8)
            except ValueError:
                value = None
        if value is None and not (self.memory or self.percent or self.octal):
            try:
                value = strict_ll(text)
            except ValueError:
                value = None
        if value is None:
            if self.memory and self.percent:
                raise ConfigError("argument must be a memory or percent value")
            if self.memory:
                raise ConfigError("argument must be a memory value")
            if self.octal:
                raise ConfigError("argument couldn't be parsed as an octal number")
            raise ConfigError("argument couldn't be parsed into an integer")
        if self.unsigned:
            value &= 2 ** 64 - 1
            if value > self.hi or value < self.lo:
                if self.octal:
                    raise ConfigError("argument must be between %o and %o inclusive" % (self.lo, self.hi))
                raise ConfigError("argument must be between %d and %d inclusive" % (self.lo, self.hi))
        elif self.percent and value < 0:
            if value < self.lo:
                raise ConfigError("percentage argument must be less or equal to %d" % -self.lo)
        elif value > self.hi or value < self.lo:
            raise ConfigError("argument must be between %d and %d inclusive" % (self.lo, self.hi))
        if self.clamp is not None:
            value = min(max(value, self.clamp[0]), self.clamp[1])
        return value

    def render(self, value):
        if self.octal:
            return "%o" % value
        if self.percent and value < 0:
            return "%d%%" % -value
        return str(value)

    def rewrite_lines(self, value):
        if self.memory and not (self.percent and value < 0):
            text = format_memory(value)
        else:
            text = self.render(value)
        return [("%s %s" % (self.name, text), value != self.default)]


class EnumParam(Param):
    kind = "enum"

    def __init__(self, name, default, choices, flags=False, **kw):
        super().__init__(name, default, **kw)
        self.choices = choices          # ordered list of names
        self.flags = flags              # several names may be combined

    def parse(self, args):
        words = [_c(a).lower() for a in args]
        if not words or (not self.flags and len(words) != 1):
            raise ConfigError(self._error())
        if any(w not in self.choices for w in words):
            raise ConfigError(self._error())
        if not self.flags:
            return words[0]
        # Bit flags: the first choice is the empty set ("default").
        chosen = tuple(w for w in self.choices[1:] if w in words)
        if "save" in chosen and "nosave" in chosen:
            raise ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously")
        return chosen or (self.choices[0],)

    def _error(self):
        return "argument(s) must be one of the following: " + ", ".join(self.choices)

    def render(self, value):
        if self.flags:
            return " ".join(value)
        return value

    def rewrite_lines(self, value):
        return [("%s %s" % (self.name, self.render(value)), value != self.default)]


class SaveParam(Param):
    """save <seconds> <changes> [<seconds> <changes> ...], or "" for none.
    Numbers are read with strtoll, as Redis does."""

    def parse(self, args):
        if len(args) == 1 and args[0] == "":
            args = []
        if len(args) % 2:
            raise ConfigError("Invalid save parameters")
        rules = []
        for i in range(0, len(args), 2):
            try:
                seconds, changes = c_strtoll(args[i]), c_strtoll(args[i + 1])
            except ValueError:
                raise ConfigError("Invalid save parameters")
            if seconds < 1 or changes < 0:
                raise ConfigError("Invalid save parameters")
            rules.append((seconds, changes))
        return tuple(rules)

    def render(self, value):
        return " ".join("%d %d" % r for r in value)

    def rewrite_lines(self, value):
        if not value:
            return [('save ""', True)]
        return [("save %d %d" % r, True) for r in value]


class BindParam(Param):
    def parse(self, args):
        if len(args) > 16:
            raise ConfigError("Too many bind addresses specified.")
        if len(args) == 1 and args[0] == "":
            return ()
        return tuple(args)

    def render(self, value):
        return " ".join(value)

    def rewrite_lines(self, value):
        if value == self.default:
            return []
        return [("bind " + (" ".join(value) if value else '""'), True)]


class OutputBufferLimitParam(Param):
    """client-output-buffer-limit <class> <hard> <soft> <soft seconds> ..."""
    CLASSES = ("normal", "slave", "pubsub")

    def parse(self, args):
        return self.parse_update(args, self.default)

    def parse_update(self, args, current):
        if len(args) % 4:
            raise ConfigError("Wrong number of arguments in buffer limit configuration.")
        limits = dict(current)
        for i in range(0, len(args), 4):
            cls = _c(args[i]).lower()
            if cls == "replica":
                cls = "slave"
            if cls not in self.CLASSES:
                raise ConfigError("Invalid client class specified in buffer limit configuration.")
            try:
                hard, soft = memtoull(_c(args[i + 1])), memtoull(_c(args[i + 2]))
                seconds = c_strtoll(args[i + 3])
            except ValueError:
                raise ConfigError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
            seconds = (seconds + 2 ** 31) % 2 ** 32 - 2 ** 31      # stored in a C int
            if seconds < 0:
                raise ConfigError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
            limits[cls] = (hard, soft, seconds)
        return tuple((c, limits[c]) for c in self.CLASSES)

    def render(self, value):
        return " ".join("%s %d %d %d" % (c, *v) for c, v in value)

    def rewrite_lines(self, value):
        defaults = dict(self.default)
        return [("%s %s %s %s %d" % (self.name, "replica" if cls == "slave" else cls,
                                     format_memory(hard), format_memory(soft), secs),
                 (hard, soft, secs) != defaults[cls])
                for cls, (hard, soft, secs) in value]


class PercentilesParam(Param):
    def parse(self, args):
        if len(args) == 1 and args[0] == "":
            return ()
        out = []
        for a in args:
            try:
                v = float(a)
                if not re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", a) or a[:1].isspace():
                    raise ValueError
            except ValueError:
                raise ConfigError("Invalid latency-tracking-info-percentiles parameters")
            if v > 100.0 or v < 0.0:
                raise ConfigError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
            out.append(v)
        return tuple(out)

    def render(self, value):
        return " ".join(_trim_float("%f" % v) for v in value)

    def rewrite_lines(self, value):
        return [(self.name + (" " + self.render(value) if value else ' ""'), True)]


def _trim_float(s):
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


class DirParam(Param):
    def parse(self, args):
        path = args[0]
        try:
            os.chdir(path)
        except OSError as e:
            raise ConfigError(e.strerror)
        return os.getcwd()

    def render(self, value):
        return os.getcwd()

    def rewrite_lines(self, value):
        return [("dir " + _repr_arg(os.getcwd()), True)]


class DbFilenameParam(Param):
    """dbfilename: a file name in ``dir``, never a path (isValidDBfilename)."""

    def parse(self, args):
        if "/" in args[0] or "\\" in args[0]:
            raise ConfigError("dbfilename can't be a path, just a filename")
        return args[0]


KEYSPACE_EVENT_CLASSES = "g$lshzxetmdnKEA"


class NotifyParam(Param):
    """notify-keyspace-events: kept as the set of class characters given
    ("A" expanded). Like Redis, classes without K or E are kept (and
    shown) even though nothing is published until K or E is added."""
    ALL = "g$lshzxetd"

    def parse(self, args):
        flags = set()
        for ch in _c(args[0]):           # a C string: a NUL ends it
            if ch == "A":
                flags.update(self.ALL)
            elif ch in "g$lshzxetdmnKE":
                flags.add(ch)
            else:
                raise ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
        return "".join(ch for ch in self.ALL + "nKEm" if ch in flags)

    def render(self, value):
        flags = set(value)
        if set(self.ALL) <= flags:
            out = "A"
        else:
            out = "".join(ch for ch in self.ALL + "n" if ch in flags)
        return out + "".join(ch for ch in "KEm" if ch in flags)

    def rewrite_lines(self, value):
        return [("%s %s" % (self.name, _repr_arg(self.render(value))), bool(value))]


class OomValuesParam(Param):
    def parse(self, args):
        if len(args) == 1:
            args = args[0].split()
        if len(args) != 3:
            raise ConfigError("wrong number of arguments")
        vals = []
        for a in args:
            try:
                v = strict_ll(a)
            except ValueError:
                raise ConfigError("Invalid oom-score-adj-values parameters")
            if v < -2000 or v > 2000:
                raise ConfigError("Invalid oom-score-adj-values parameters")
            vals.append(v)
        return tuple(vals)

    def render(self, value):
        return " ".join(str(v) for v in value)


LLONG_MAX = 2 ** 63 - 1
LONG_MAX = LLONG_MAX
INT_MAX = 2 ** 31 - 1
UINT_MAX = 2 ** 32 - 1
ULLONG_MAX = 2 ** 64 - 1

MAXMEMORY_POLICIES = ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                      "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"]
PROTECTED_ACTION = ["no", "yes", "local"]

PARAMS = [
    # -- network --------------------------------------------------------------
    IntParam("port", 6379, 0, 65535),
    BindParam("bind", ("*", "-::*"), multi_arg=True),
    BoolParam("protected-mode", True),
    IntParam("tcp-backlog", 511, 0, INT_MAX, mutable=False),
    Param("unixsocket", None, mutable=False),
    IntParam("unixsocketperm", 0, 0, 0o777, unsigned=True, octal=True, mutable=False),
    IntParam("timeout", 0, 0, INT_MAX),
    IntParam("tcp-keepalive", 300, 0, INT_MAX),
    IntParam("maxclients", 10000, 1, UINT_MAX, unsigned=True),
    IntParam("proto-max-bulk-len", 512 * 1024 * 1024, 1024 * 1024, LONG_MAX, memory=True),
    IntParam("client-query-buffer-limit", 1024 ** 3, 1024 * 1024, LONG_MAX, memory=True, unsigned=True),
    OutputBufferLimitParam("client-output-buffer-limit",
                           (("normal", (0, 0, 0)), ("slave", (268435456, 67108864, 60)),
                            ("pubsub", (33554432, 8388608, 60))), multi_arg=True),
    IntParam("io-threads", 1, 1, 128, mutable=False),
    BoolParam("io-threads-do-reads", False, mutable=False),
    # -- general ----------------------------------------------------------------
    BoolParam("daemonize", False, mutable=False),
    Param("pidfile", None, mutable=False),
    EnumParam("loglevel", "notice", ["debug", "verbose", "notice", "warning"]),
    Param("logfile", "", mutable=False),
    BoolParam("always-show-logo", False, mutable=False),
    IntParam("databases", 16, 1, INT_MAX, mutable=False),
    IntParam("hz", 10, 0, INT_MAX, clamp=(1, 500)),
    BoolParam("dynamic-hz", True),
    DirParam("dir", None, protected=True),
    BoolParam("activerehashing", True),
    IntParam("active-expire-effort", 1, 1, 10),
    EnumParam("shutdown-on-sigint", ("default",), ["default", "save", "nosave", "now", "force"],
              flags=True, multi_arg=True),
    EnumParam("shutdown-on-sigterm", ("default",), ["default", "save", "nosave", "now", "force"],
              flags=True, multi_arg=True),
    IntParam("shutdown-timeout", 10, 0, INT_MAX),
    EnumParam("enable-protected-configs", "no", PROTECTED_ACTION, mutable=False),
    EnumParam("enable-debug-command", "no", PROTECTED_ACTION, mutable=False),
    EnumParam("enable-module-command", "no", PROTECTED_ACTION, mutable=False),
    # -- security ----------------------------------------------------------------
    Param("requirepass", None, sensitive=True),
    # -- memory ------------------------------------------------------------------
    IntParam("maxmemory", 0, 0, ULLONG_MAX, memory=True, unsigned=True),
    EnumParam("maxmemory-policy", "noeviction", MAXMEMORY_POLICIES),
    IntParam("maxmemory-samples", 5, 1, INT_MAX),
    IntParam("maxmemory-eviction-tenacity", 10, 0, 100),
    IntParam("lfu-log-factor", 10, 0, INT_MAX),
    IntParam("lfu-decay-time", 1, 0, INT_MAX),
    BoolParam("lazyfree-lazy-eviction", False),
    BoolParam("lazyfree-lazy-expire", False),
    BoolParam("lazyfree-lazy-server-del", False),
    BoolParam("lazyfree-lazy-user-del", False),
    BoolParam("lazyfree-lazy-user-flush", False),
    # -- observability ------------------------------------------------------------
    IntParam("slowlog-log-slower-than", 10000, -1, LLONG_MAX),
    IntParam("slowlog-max-len", 128, 0, LONG_MAX, unsigned=True),
    IntParam("latency-monitor-threshold", 0, 0, LLONG_MAX),
    BoolParam("latency-tracking", True),
    PercentilesParam("latency-tracking-info-percentiles", (50.0, 99.0, 99.9), multi_arg=True),
    NotifyParam("notify-keyspace-events", ""),
    # -- persistence ----------------------------------------------------------------
    SaveParam("save", ((3600, 1), (300, 100), (60, 10000)), multi_arg=True),
    DbFilenameParam("dbfilename", "dump.rdb", protected=True),
    BoolParam("rdbcompression", True),
    BoolParam("rdbchecksum", True, mutable=False),
    BoolParam("stop-writes-on-bgsave-error", True),
    BoolParam("rdb-save-incremental-fsync", True),
    EnumParam("sanitize-dump-payload", "no", ["no", "yes", "clients"]),
    IntParam("rdb-key-save-delay", 0, -2 ** 31, INT_MAX, hidden=True),
    IntParam("key-load-delay", 0, -2 ** 31, INT_MAX, hidden=True),
    BoolParam("appendonly", False),
    Param("appendfilename", "appendonly.aof", mutable=False),
    Param("appenddirname", "appendonlydir", mutable=False),
    EnumParam("appendfsync", "everysec", ["always", "everysec", "no"]),
    BoolParam("no-appendfsync-on-rewrite", False),
    IntParam("auto-aof-rewrite-percentage", 100, 0, INT_MAX),
    IntParam("auto-aof-rewrite-min-size", 64 * 1024 * 1024, 0, LLONG_MAX, memory=True),
    BoolParam("aof-load-truncated", True),
    BoolParam("aof-use-rdb-preamble", True),
    BoolParam("aof-timestamp-enabled", False),
    # -- data structure thresholds (used by the aggregate types) --------------------
    IntParam("hash-max-listpack-entries", 512, 0, LONG_MAX, alias="hash-max-ziplist-entries"),
    IntParam("hash-max-listpack-value", 64, 0, LONG_MAX, memory=True, alias="hash-max-ziplist-value"),
    IntParam("list-max-listpack-size", -2, -2 ** 31, INT_MAX, alias="list-max-ziplist-size"),
    IntParam("list-compress-depth", 0, 0, INT_MAX),
    IntParam("set-max-intset-entries", 512, 0, LONG_MAX),
    IntParam("zset-max-listpack-entries", 128, 0, LONG_MAX, alias="zset-max-ziplist-entries"),
    IntParam("zset-max-listpack-value", 64, 0, LONG_MAX, memory=True, alias="zset-max-ziplist-value"),
    IntParam("stream-node-max-bytes", 4096, 0, LONG_MAX, memory=True),
    IntParam("stream-node-max-entries", 100, 0, LLONG_MAX),
    IntParam("hll-sparse-max-bytes", 3000, 0, LONG_MAX, memory=True),
    # -- scripting -------------------------------------------------------------------
    IntParam("busy-reply-threshold", 5000, 0, LONG_MAX, alias="lua-time-limit"),
]

# Directives accepted in config files that change nothing observable here
# (Redis's deprecated no-ops).
DEPRECATED_DIRECTIVES = {"list-max-ziplist-entries": (2, 2), "list-max-ziplist-value": (2, 2),
                         "lua-replicate-commands": (2, 2)}

BY_NAME = {}
for _p in PARAMS:
    BY_NAME[_p.name] = _p
    if _p.alias:
        BY_NAME[_p.alias] = _p


def lookup(name):
    return BY_NAME.get(name.lower())


def lookup_bytes(name):
    """A parameter by its name as a client sent it (bytes, binary safe)."""
    try:
        return BY_NAME.get(name.decode("ascii").lower())
    except UnicodeDecodeError:
        return None


def _cstr_text(b):
    """An argument as printed by "%s": up to its first NUL byte."""
    return b.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


class Config:
    """The parameter values of one server."""

    def __init__(self):
        self.values = {p.name: p.default for p in PARAMS}
        self.values["dir"] = os.getcwd()
        self.configfile = None
        self.on_change = []          # callables(name, value) run after a change
        self._save_loaded = False    # a config file "save" line was read

    def __getitem__(self, name):
        return self.values[lookup(name).name]

    def get(self, name, default=None):
        p = lookup(name)
        return self.values[p.name] if p else default

    def render(self, name):
        p = lookup(name)
        return p.render(self.values[p.name])

    def set_from_args(self, p, args):
        """Parse and store (no immutability check: config file / startup).
        In a config file the first "save" line replaces the default rules
        and later ones add to them; ``save ""`` clears them."""
        value = p.parse_update(args, self.values[p.name])
        if p.name == "save":
            if self._save_loaded and args != [""]:
                value = self.values["save"] + value
            self._save_loaded = True
        self.values[p.name] = value
        return value

    # -- CONFIG GET ------------------------------------------------------------------
    def get_matching(self, patterns):
        """[(name, text)] for CONFIG GET. ``patterns`` are bytes. A pattern
        without glob characters is looked up as given (aliases too) and
        echoed as given; a glob pattern matches every name and alias. A
        parameter is reported once per spelling, names compared ignoring
        case (Redis's reply dict). Like Redis, the glob test and the match
        stop at a NUL byte, the exact lookup does not."""
        out = {}
        for pat in patterns:
            head = pat.split(b"\0", 1)[0]
            if not any(ch in head for ch in b"[*?"):
                if pat.lower() in out:
                    continue
                p = lookup_bytes(pat)
                if p is not None:
                    out[pat.lower()] = (pat.decode("utf-8", "surrogateescape"),
                                        p.render(self.values[p.name]))
                continue
            for name, p in BY_NAME.items():
                if p.hidden or name.encode() in out:
                    continue
                if py_stringmatch(head, name.encode(), True):
                    out[name.encode()] = (name, p.render(self.values[p.name]))
        return list(out.values())

    # -- CONFIG SET ------------------------------------------------------------------
    def config_set(self, pairs, allow_protected):
        """Apply CONFIG SET pairs atomically. ``pairs`` are (name bytes,
        value str). Returns None or an error text. As in Redis, a name and
        its alias are different parameters for the duplicate check."""
        chosen = []
        for name, _ in pairs:
            if lookup_bytes(name) is None:
                return "ERR Unknown option or number of arguments for CONFIG SET - '%s'" % (
                    _cstr_text(name))
        seen = []
        for name, value in pairs:
            p = lookup_bytes(name)
            if not p.mutable or (p.protected and not allow_protected):
                why = "can't set immutable config" if not p.mutable else "can't set protected config"
                return "ERR CONFIG SET failed (possibly related to argument '%s') - %s" % (
                    _cstr_text(name), why)
            spelling = name.lower()
            if p.alias and spelling == p.alias.encode():
                spelling = (p.name, "alias")
            else:
                spelling = (p.name, "name")
            if spelling in seen:
                return "ERR CONFIG SET failed (possibly related to argument '%s') - duplicate parameter" % (
                    _cstr_text(name))
            seen.append(spelling)
            shown = p.alias if spelling[1] == "alias" else p.name
            chosen.append((p, value, shown))
        old = {p.name: self.values[p.name] for p, _, _ in chosen}
        for p, value, shown in chosen:
            # Multi-argument parameters are split on single spaces, empty
            # words included (sdssplitlen), "" giving no words at all.
            args = (value.split(" ") if value else []) if p.multi_arg else [value]
            try:
                self.values[p.name] = p.parse_update(args, self.values[p.name])
            except ConfigError as e:
                self.values.update(old)
                return "ERR CONFIG SET failed (possibly related to argument '%s') - %s" % (shown, e)
        for p, _, shown in chosen:
            for hook in self.on_change:
                try:
                    hook(p.name, self.values[p.name])
                except ConfigError as e:
                    self.values.update(old)
                    for q, _, _ in chosen:
                        for h in self.on_change:
                            try:
                                h(q.name, self.values[q.name])
                            except ConfigError:
                                pass
                    return "ERR CONFIG SET failed (possibly related to argument '%s') - %s" % (shown, e)
        return None

    # -- CONFIG REWRITE ----------------------------------------------------------------
    REWRITE_SIGNATURE = "# Generated by CONFIG REWRITE"
    FILE_ONLY_DIRECTIVES = ("include", "rename-command", "user", "loadmodule", "sentinel")

    def rewrite_text(self, old_text, force_all=False):
        """The new content of a config file (rewriteConfig): lines naming a
        parameter are replaced in place by its current value, extra lines for
        the same parameter blanked, parameters that differ from their
        defaults and are not in the file appended after a signature line;
        comments and file-only directives stay, unparsable lines are kept
        commented out as "# ??? ..."."""
        from engine.resp import split_inline
        lines = []
        where = {}                      # parameter name -> [line numbers]
        needs_signature = True
        # like sdssplitlen, a final newline yields a last empty line
        text_lines = old_text.split("\n") if old_text else []
        for raw in text_lines:
            line = raw.strip("\r\n\t ")
            if not line or line.startswith("#"):
                if line == self.REWRITE_SIGNATURE:
                    needs_signature = False
                lines.append(line)
                continue
            argv = split_inline(line.encode("utf-8", "surrogateescape"))
            name = argv[0].decode("utf-8", "surrogateescape").lower() if argv else None
            p = lookup(name) if name else None
            if p is None and name not in self.FILE_ONLY_DIRECTIVES:
                lines.append("# ??? " + line)
                continue
            key = p.name if p is not None else name
            where.setdefault(key, []).append(len(lines))
            lines.append(line)
        for p in PARAMS:
            slots = where.pop(p.name, [])
            for text, force in p.rewrite_lines(self.values[p.name]):
                if slots:
                    lines[slots.pop(0)] = text
                elif force or force_all:
                    if needs_signature:
                        lines.append(self.REWRITE_SIGNATURE)
                        needs_signature = False
                    lines.append(text)
            for i in slots:             # orphaned lines of a rewritten parameter
                lines[i] = ""
        out, was_empty = [], False
        for line in lines:
            if not line:
                if was_empty:
                    continue
                was_empty = True
            else:
                was_empty = False
            out.append(line + "\n")
        return "".join(out)

    def rewrite_file(self, path, force_all=False):
        """CONFIG REWRITE into ``path``, replaced atomically (with
        ``force_all``, every parameter is written, defaults included)."""
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                old = f.read()
        except FileNotFoundError:
            old = ""
        text = self.rewrite_text(old, force_all)
        tmp = "%s.tmp-%d" % (path, os.getpid())
        with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    # -- config files ------------------------------------------------------------------
    def load_string(self, text, source="(config)"):
        """Parse redis.conf syntax. Raises ConfigFileError with Redis's report."""
        from engine.resp import split_inline
        lines = text.split("\n")
        for i, raw in enumerate(lines):
            line = raw.strip(" \t\r\n")
            if not line or line.startswith("#"):
                continue
            argv = split_inline(line.encode("utf-8", "surrogateescape"))
            if argv is None:
                raise ConfigFileError(i + 1, line, "Unbalanced quotes in configuration line")
            if not argv:
                continue
            argv = [a.decode("utf-8", "surrogateescape") for a in argv]
            directive = argv[0].lower()
            p = lookup(directive)
            if p is not None:
                if not p.multi_arg and len(argv) != 2:
                    raise ConfigFileError(i + 1, line, "wrong number of arguments")
                args = argv[1:]
                if p.multi_arg and len(argv) == 2 and argv[1]:
                    args = [a.decode("utf-8", "surrogateescape")
                            for a in split_inline(argv[1].encode("utf-8", "surrogateescape")) or []]
                try:
                    self.set_from_args(p, args)
                except ConfigError as e:
                    raise ConfigFileError(i + 1, line, str(e))
                continue
            dep = DEPRECATED_DIRECTIVES.get(directive)
            if dep and dep[0] <= len(argv) <= dep[1]:
                continue
            if directive == "include" and len(argv) == 2:
                self.load_file(argv[1])
                continue
            raise ConfigFileError(i + 1, line, "Bad directive or wrong number of arguments")

    def load_file(self, path):
        try:
            with open(path, "r", encoding="utf-8", errors="surrogateescape") as f:
                text = f.read()
        except OSError as e:
            raise ConfigFileOpenError(path, e.strerror)
        self.load_string(text, path)


class ConfigFileError(Exception):
    """A bad line in a config file (Redis prints this and exits 1)."""

    def __init__(self, linenum, line, reason):
        super().__init__(reason)
        self.linenum, self.line, self.reason = linenum, line, reason

    def report(self):
        return ("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
                "Reading the configuration file, at line %d\n>>> '%s'\n%s\n"
                % (self.linenum, self.line, self.reason))


class ConfigFileOpenError(Exception):
    def __init__(self, path, reason):
        super().__init__(reason)
        self.path, self.reason = path, reason


def options_from_argv(args):
    """Turn redis-server style command-line options into config text:
    ``--port 6380 --save ""`` -> "port 6380\\nsave \\"\\"". Returns
    (configfile or None, read_stdin, options_text)."""
    configfile = None
    stdin = False
    j = 0
    if args and not args[0].startswith("-"):
        configfile = args[0]
        j = 1
    lines = []
    handled_last = True
    n = len(args)
    while j < n:
        a = args[j]
        if a == "-" and (j == 0 or j == n - 1):
            stdin = True
        elif handled_last and a.startswith("--"):
            lines.append(a[2:] + " ")
            parts = a.split()
            if len(parts) == 1:
                handled_last = False
                if a.lower() == "--save" and (j == n - 1 or args[j + 1].startswith("--")):
                    lines[-1] += '""'
                    handled_last = True
            else:
                handled_last = True
        else:
            # an option's value (or a stray word, which starts the options)
            if not lines:
                lines.append("")
            lines[-1] += _repr_arg(a) + " "
            handled_last = True
        j += 1
    return configfile, stdin, "\n".join(lines)


def _repr_arg(s):
    """sdscatrepr: a double-quoted, escaped rendering of an argument."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif o < 32 or o == 127:
            out.append("\\x%02x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
