"""Every command implementation, by the name the declarations use.

C modules export ``PROCS`` as capsules (core.proc_capsule), Python modules
as plain functions. The table loader binds each declaration's ``function``
to one of these and refuses implementations nobody declared.
"""

from pyengine import (aof, eval, functions, multi, persist, pubsub, rdb, t_bitops, t_conn,
                      t_hash, t_keys, t_list, t_server, t_set, t_sort, t_stream, t_string, t_zset)

MODULES = (t_conn, t_string, t_bitops, t_keys, t_list, t_set, t_hash, t_zset, t_sort, t_stream,
           t_server, multi, pubsub, eval, functions, rdb, persist, aof)


def all_procs():
    procs = {}
    for module in MODULES:
        for name, proc in module.PROCS.items():
            if name in procs:
                raise RuntimeError(f"{name} is implemented twice ({module.__name__})")
            procs[name] = proc
    return procs


def all_flags_procs():
    """Commands whose flags depend on their arguments (EVAL/FCALL: the
    script's declared flags): {command name: callable(Client) -> flags}."""
    out = {}
    for module in MODULES:
        out.update(getattr(module, "FLAGS_PROCS", {}))
    return out
