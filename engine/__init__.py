"""pyengine's native core: the data structures and the RESP codec, in Cython.

Each structure is a ``.pyx``/``.pxd`` pair. Other modules ``cimport`` the C-level
API from the ``.pxd``; the ``def`` functions and classes are thin wrappers
for tests and embedding.
"""
