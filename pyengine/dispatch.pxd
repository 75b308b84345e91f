from pyengine.core cimport Client, Command

cdef int process_input(Client c) except -1
cdef int process_command(Client c) except -1
cdef int call(Client c, Command cmd) except -1
