"""The network front end: a single-threaded epoll loop, in C.

One ``EventLoop`` serves one Instance. Per turn it:

1. writes pending replies (``_flush_pending``): every client that got
   reply bytes this turn (``Server.clients_pending_write``: the clients that
   ran commands, and those a command wrote to, such as pub/sub subscribers)
   is written to directly; only when the socket would block is EPOLLOUT
   armed. Replies to a pipeline are therefore batched into as few write()
   calls as the kernel allows;
2. runs the fast expire cycle;
3. waits in epoll_wait (GIL released) until a socket is ready or the next
   cron tick (1000/hz ms) is due;
4. accepts new connections and reads from ready clients straight into their
   query buffers, then runs every complete command (pyengine.dispatch);
5. runs the cron when due: the data cron (expiry, rehash), idle-client
   timeouts (every client once a second), client pause expiry.

Connections are counted as they are accepted and closed (``nconns``):
``maxclients`` is checked against that count, and a connection over it gets
Redis's "-ERR max number of clients reached" and is closed at once.

Another thread may own the loop (server.threaded runs it in a background
thread beside an embedded Engine): ``lock``, when set, is held whenever the
loop touches the data or clients, so commands never run concurrently, and
``stop()``/``wakeup()`` are safe to call from any thread: they write to an
eventfd the loop waits on, so a stop takes effect at once instead of at the
next cron tick.

Like Redis, a client whose replies pile up unread is not paused (clients
such as redis-py write a whole pipeline before reading); limits are
enforced by closing it: ``client-query-buffer-limit`` on input (counted on
the bytes not yet parsed into arguments, as Redis counts its query buffer),
``client-output-buffer-limit`` on output, per client class (normal, pubsub),
checked in one place (core.close_on_output_limit) whenever a reply grows,
and once a second by the clients cron for the soft limit's seconds. Clients
flagged on the way (``Server.clients_to_close``) are closed at the end of
the turn without another write. A protocol error gets its error reply, then
the connection is closed once it is written.

Buffers: while a big argument arrives the read size follows its declared
length, but the query buffer only grows with bytes that really arrive (at
most doubling per read), so ``$500000000`` alone allocates nothing. An
empty query buffer above 64 KB is freed; a reply buffer that is partly
written drops its written head once that is most of it, so a slow reader
holds its backlog, not the history of its replies.

Nothing here creates a Python object per request: reads, parsing,
dispatch of C commands and writes stay in C. Python runs for accepts,
closes, cron ticks and Python-implemented commands.
"""

from libc.errno cimport errno, EAGAIN, EINTR
cdef extern from "<errno.h>":
    int EWOULDBLOCK
from libc.string cimport memset, strlen, memcpy
from posix.unistd cimport read, write, close
from cpython.exc cimport PyErr_CheckSignals
from cpython.ref cimport PyObject
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE

from engine.resp cimport rbuf, rbuf_reserve, rbuf_shrink, rbuf_fit, rbuf_append, rbuf_consume
from engine._mem cimport mem_used
from pyengine.core cimport (Server, Client, CLIENT_CLOSE_AFTER_REPLY, CLIENT_CLOSE_ASAP,
                            CLIENT_PENDING_WRITE, CLIENT_BLOCKED, CLIENT_PROTOCOL_ERROR,
                            CLIENT_UNIX_SOCKET, CLIENT_PUBSUB, CLIENT_PROTECTED, monotonic_us,
                            ustime, schedule_write, schedule_close, close_on_output_limit,
                            output_limit_reached)
from pyengine.dispatch cimport process_input

import os
import socket
import threading

from pyengine import blocked as _blocked

cdef extern from "<sys/epoll.h>" nogil:
    cdef enum:
        EPOLLIN
        EPOLLOUT
        EPOLLERR
        EPOLLHUP
        EPOLL_CTL_ADD
        EPOLL_CTL_MOD
        EPOLL_CTL_DEL
        EPOLL_CLOEXEC
    ctypedef union epoll_data_t:
        void* ptr
        int fd
        unsigned int u32
        unsigned long long u64
    struct epoll_event:
        unsigned int events
        epoll_data_t data
    int epoll_create1(int flags)
    int epoll_ctl(int epfd, int op, int fd, epoll_event* event)
    int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout)

cdef extern from "<sys/eventfd.h>" nogil:
    cdef enum:
        EFD_NONBLOCK
        EFD_CLOEXEC
    int eventfd(unsigned int initval, int flags)

cdef extern from "<sys/socket.h>" nogil:
    ctypedef unsigned int socklen_t
    struct sockaddr:
        pass
    cdef enum:
        SOCK_NONBLOCK
        SOCK_CLOEXEC
    int accept4(int sockfd, sockaddr* addr, socklen_t* addrlen, int flags)

DEF READ_CHUNK = 16384
DEF MAX_EVENTS = 1024
DEF BIG_ARG = 32768
DEF REPLY_KEEP = 16384
DEF REPLY_COMPACT = 65536        # written bytes worth a memmove to drop
DEF QUERY_KEEP = 65536           # an empty query buffer bigger than this is freed
DEF MAX_LISTENERS = 64

cdef bytes MAXCLIENTS_ERR = b"-ERR max number of clients reached\r\n"
cdef bytes PROTECTED_ERR = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no "
    b"password is set for the default user. In this mode connections are only accepted from the "
    b"loopback interface. If you want to connect from external computers to Redis you may adopt "
    b"one of the following solutions: 1) Just disable protected mode sending the command "
    b"'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the "
    b"same host the server is running, however MAKE SURE Redis is not publicly accessible from "
    b"internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    b"you can just disable the protected mode by editing the Redis configuration file, and "
    b"setting the protected mode option to 'no', and then restarting the server. 3) If you "
    b"started the server manually just for testing, restart it with the '--protected-mode no' "
    b"option. 4) Setup a an authentication password for the default user. NOTE: You only need to "
    b"do one of the above things in order for the server to start accepting connections from the "
    b"outside.\r\n")


cdef class EventLoop:
    cdef object instance
    cdef Server srv
    cdef int epfd
    cdef int wake_fd              # eventfd: written by wakeup() from any thread
    cdef public int nconns        # open client connections (for maxclients)
    cdef double next_timeout_check
    cdef double last_accept_error
    cdef list listeners           # Python socket objects
    cdef int listen_fds[MAX_LISTENERS]
    cdef int nlisten
    cdef list conns               # fd -> Client or None
    cdef list pending_spare       # swapped with Server.clients_pending_write each turn
    cdef list unblocked           # clients to resume (served/unblocked/unpaused) this turn
    cdef public bint stopping
    cdef long long next_cron_us
    cdef public object lock       # optional lock shared with embedded callers
    cdef long long ops_samples[16]
    cdef int ops_idx
    cdef long long last_ops_cmds
    cdef long long last_ops_time
    cdef public object on_shutdown
    cdef public object after_turn     # callable run (under ``lock``) after a busy turn
    cdef object thread_id         # the thread running run()

    def __cinit__(self, instance):
        self.instance = instance
        self.srv = instance.srv
        cdef epoll_event ev
        self.wake_fd = -1
        self.epfd = epoll_create1(EPOLL_CLOEXEC)
        if self.epfd < 0:
            raise OSError(errno, os.strerror(errno))
        self.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)
        if self.wake_fd < 0:
            raise OSError(errno, os.strerror(errno))
        ev.events = EPOLLIN
        ev.data.fd = self.wake_fd
        if epoll_ctl(self.epfd, EPOLL_CTL_ADD, self.wake_fd, &ev) < 0:
            raise OSError(errno, os.strerror(errno))
        self.nconns = 0
        self.next_timeout_check = 0
        self.last_accept_error = 0
        self.listeners = []
        self.nlisten = 0
        self.conns = []
        self.pending_spare = []
        self.unblocked = []
        self.stopping = False
        self.lock = None
        self.after_turn = None
        self.ops_idx = 0
        memset(self.ops_samples, 0, sizeof(self.ops_samples))

    def config_changed(self, name, value):
        """Configuration the loop mirrors (none today: the output limits
        live in the Server, core.close_on_output_limit reads them)."""

    def __dealloc__(self):
        if self.epfd >= 0:
            close(self.epfd)
        if self.wake_fd >= 0:
            close(self.wake_fd)

    # -- waking the loop from another thread -------------------------------------------
    def wakeup(self):
        """Make a running loop's epoll_wait return now (thread-safe)."""
        cdef unsigned long long one = 1
        if self.wake_fd >= 0:
            write(self.wake_fd, &one, sizeof(one))

    cdef void _drain_wakeup(self) noexcept:
        cdef unsigned long long v
        read(self.wake_fd, &v, sizeof(v))

    # -- listening ---------------------------------------------------------------------
    def add_listener(self, sock):
        """Serve connections accepted on ``sock`` (a bound, listening socket)."""
        cdef epoll_event ev
        if self.nlisten >= MAX_LISTENERS:
            raise ValueError("too many listening sockets")
        sock.setblocking(False)
        ev.events = EPOLLIN
        ev.data.fd = sock.fileno()
        if epoll_ctl(self.epfd, EPOLL_CTL_ADD, sock.fileno(), &ev) < 0:
            raise OSError(errno, os.strerror(errno))
        self.listeners.append(sock)
        self.listen_fds[self.nlisten] = sock.fileno()
        self.nlisten += 1

    cdef inline bint _is_listener(self, int fd) noexcept:
        cdef int i
        for i in range(self.nlisten):
            if self.listen_fds[i] == fd:
                return True
        return False

    def remove_listener(self, sock):
        """Stop serving and close one listening socket."""
        cdef int i, j, fd
        if sock in self.listeners:
            fd = sock.fileno()
            epoll_ctl(self.epfd, EPOLL_CTL_DEL, fd, NULL)
            j = 0
            for i in range(self.nlisten):
                if self.listen_fds[i] != fd:
                    self.listen_fds[j] = self.listen_fds[i]
                    j += 1
            self.nlisten = j
            self.listeners.remove(sock)
        sock.close()

    def close_listeners(self):
        for sock in self.listeners:
            epoll_ctl(self.epfd, EPOLL_CTL_DEL, sock.fileno(), NULL)
            sock.close()
        self.listeners = []
        self.nlisten = 0

    def listener_addresses(self):
        return [s.getsockname() for s in self.listeners]

    # -- connections ---------------------------------------------------------------------
    cdef void _accept(self, int lfd):
        cdef int fd
        cdef epoll_event ev
        cdef Client c
        cdef object sock
        while True:
            fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)
            if fd < 0:
                if errno != EAGAIN and errno != EWOULDBLOCK and errno != EINTR:
                    self._accept_error(errno)
                return
            if self.nconns >= self.srv.maxclients:
                write(fd, <const char*>MAXCLIENTS_ERR, len(MAXCLIENTS_ERR))
                close(fd)
                self.srv.stat_rejected_conn += 1
                continue
            try:
                sock = socket.socket(fileno=fd)
                family = sock.family
                if family != socket.AF_UNIX:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    ka = self.instance.config["tcp-keepalive"]
                    if ka > 0:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, ka)
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, max(ka // 3, 1))
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
                c = self.instance.new_client(fd)
                if family == socket.AF_UNIX:
                    # Redis names both ends after the listening path.
                    c.addr = c.laddr = "%s:0" % (sock.getsockname() or "")
                else:
                    c.addr = _format_addr(sock.getpeername(), family)
                    c.laddr = _format_addr(sock.getsockname(), family)
                c.is_local = family == socket.AF_UNIX or c.addr.startswith(("127.", "[::1]"))
                if family == socket.AF_UNIX:
                    c.flags |= CLIENT_UNIX_SOCKET
                sock.detach()
            except OSError:
                close(fd)
                continue
            if (not c.is_local and self.srv.requirepass is None and
                    self.instance.config["protected-mode"]):
                write(fd, <const char*>PROTECTED_ERR, len(PROTECTED_ERR))
                close(fd)
                c.fd = -1
                self.instance.forget_client(c)
                self.srv.stat_rejected_conn += 1
                continue
            while len(self.conns) <= fd:
                self.conns.append(None)
            self.conns[fd] = c
            self.nconns += 1
            self.srv.stat_numconnections += 1
            ev.events = EPOLLIN
            ev.data.fd = fd
            epoll_ctl(self.epfd, EPOLL_CTL_ADD, fd, &ev)
            if self._verbose():
                if family == socket.AF_UNIX:
                    self.instance.log("verbose", "Accepted connection to %s" %
                                      self.instance.config["unixsocket"])
                else:
                    self.instance.log("verbose", "Accepted %s" % c.addr)

    cdef void _accept_error(self, int err):
        """accept() failed for another reason than "no more pending" (EMFILE
        most likely): logged at most once a second, the connection stays
        queued until a descriptor frees up."""
        now = monotonic_us() * 1e-6
        if now - self.last_accept_error >= 1.0:
            self.last_accept_error = now
            self.instance.log("warning", "Accepting client connection: %s" % os.strerror(err))

    cdef bint _verbose(self):
        return self.instance.config["loglevel"] in ("debug", "verbose")

    cdef void _close(self, Client c):
        """Close a client's connection and forget it."""
        cdef int fd = c.fd
        if fd < 0:
            return
        epoll_ctl(self.epfd, EPOLL_CTL_DEL, fd, NULL)
        close(fd)
        if fd < len(self.conns) and self.conns[fd] is c:
            self.conns[fd] = None
            self.nconns -= 1
        c.fd = -1
        c.flags &= ~CLIENT_PENDING_WRITE
        self.instance.forget_client(c)

    def kill_client(self, Client c):
        """Close ``c`` at the end of this turn (CLIENT KILL)."""
        schedule_close(c)

    # -- reading ------------------------------------------------------------------------
    cdef void _read(self, Client c):
        cdef ssize_t n
        cdef size_t want = READ_CHUNK
        cdef size_t have, need
        cdef Server srv = self.srv
        # A big argument being read: ask for what it still needs at once, but
        # let the buffer grow only with the bytes that really arrive (at most
        # doubling per read): a declared length alone allocates nothing.
        if c.parser.multibulklen and c.parser.bulklen >= BIG_ARG:
            have = c.querybuf.len - c.qb_pos
            need = <size_t>(c.parser.bulklen + 2)
            if need > have:
                want = need - have
                if want > c.querybuf.len and want > READ_CHUNK:
                    want = c.querybuf.len if c.querybuf.len > READ_CHUNK else READ_CHUNK
        rbuf_reserve(&c.querybuf, want)
        n = read(c.fd, c.querybuf.data + c.querybuf.len, want)
        if n == 0:
            if self._verbose():
                from pyengine.t_server import client_info_string
                self.instance.log("verbose", "Client closed connection %s" %
                                  client_info_string(self.instance, c))
            self._close(c)
            return
        if n < 0:
            if errno == EAGAIN or errno == EWOULDBLOCK or errno == EINTR:
                return
            self._close(c)
            return
        c.querybuf.len += n
        if <long long>c.querybuf.len > c.qbuf_peak:
            c.qbuf_peak = c.querybuf.len
        srv.stat_net_input_bytes += n
        srv.stat_total_reads_processed += 1
        c.last_interaction = ustime() * 1e-6
        # Like Redis, the limit applies to the bytes not parsed into arguments
        # yet (Redis has copied parsed arguments out of its query buffer).
        if c.querybuf.len - c.qb_pos > <size_t>srv.client_max_querybuf_len:
            self._querybuf_limit_close(c)
            return
        self._process(c)
        if c.querybuf.len == 0 and c.fd >= 0:
            rbuf_shrink(&c.querybuf, QUERY_KEEP)

    cdef void _querybuf_limit_close(self, Client c):
        self.instance.log("warning", "Closing client that reached max query buffer length: "
                          "id=%d addr=%s (qbuf initial bytes: %r)" % (
                              c.id, c.addr, c.querybuf_prefix(64)))
        self.srv.stat_client_qbuf_limit_disconnections += 1
        self._close(c)

    cdef void _process(self, Client c):
        try:
            process_input(c)
        except Exception as exc:
            self.instance.log("warning", "Error processing input of client %d: %r" % (c.id, exc))
            schedule_close(c)
            return
        self._after_commands(c)

    cdef void _after_commands(self, Client c):
        if c.reply.len > c.sent:
            schedule_write(c)
            close_on_output_limit(c)
        elif c.flags & CLIENT_CLOSE_AFTER_REPLY:
            self.srv.clients_to_close.append(c)

    # -- writing ------------------------------------------------------------------------
    cdef bint _write(self, Client c):
        """Write as much of the pending reply as the socket takes. Returns
        False if the client was closed."""
        cdef ssize_t n
        cdef epoll_event ev
        cdef size_t sent_before = c.sent
        if self.srv.aof_buf.len:
            # the AOF first: no client sees a reply to a write not in it yet
            self.instance.flush_aof()
        while c.sent < c.reply.len:
            n = write(c.fd, c.reply.data + c.sent, c.reply.len - c.sent)
            if n < 0:
                if errno == EAGAIN or errno == EWOULDBLOCK:
                    break
                if errno == EINTR:
                    continue
                self._close(c)
                return False
            c.sent += n
            self.srv.stat_net_output_bytes += n
        if c.sent > sent_before:
            c.last_interaction = ustime() / 1e6     # writing counts as activity (Redis)
        self.srv.stat_total_writes_processed += 1
        if c.sent == c.reply.len:
            if c.reply.len > c.reply_bytes_peak:
                c.reply_bytes_peak = c.reply.len
            c.reply.len = 0
            c.sent = 0
            rbuf_shrink(&c.reply, REPLY_KEEP)
            if c.flags & CLIENT_PENDING_WRITE:
                c.flags &= ~CLIENT_PENDING_WRITE
            if c.wants_writable:
                c.wants_writable = False
                self._update_events(c)
            if c.flags & CLIENT_CLOSE_AFTER_REPLY:
                self._close(c)
                return False
        else:
            # Partly written: drop the written head once it is most of the
            # buffer, so a client that never drains completely (a slow reader
            # fed by a steady pipeline) holds its backlog, not its history.
            if c.sent >= REPLY_COMPACT and c.sent * 2 >= c.reply.len:
                if c.reply.len > c.reply_bytes_peak:
                    c.reply_bytes_peak = c.reply.len
                rbuf_consume(&c.reply, c.sent)
                c.sent = 0
            if not c.wants_writable:
                c.wants_writable = True
                self._update_events(c)
        return True

    cdef void _update_events(self, Client c) noexcept:
        """Set the epoll interest of c: always readable, writable while
        replies wait for socket space."""
        cdef epoll_event ev
        ev.events = EPOLLIN | EPOLLOUT if c.wants_writable else EPOLLIN
        ev.data.fd = c.fd
        epoll_ctl(self.epfd, EPOLL_CTL_MOD, c.fd, &ev)

    cdef void _discard_input(self, Client c):
        """Read and drop what a closing client sends while its last replies
        are written. Its input must still be drained: level-triggered
        EPOLLIN would otherwise wake the loop every turn, and closing a
        socket with unread input makes the kernel send a reset that throws
        away the replies not yet delivered (Redis keeps reading too)."""
        cdef char buf[READ_CHUNK]
        cdef ssize_t n
        cdef int i
        for i in range(4):
            n = read(c.fd, buf, READ_CHUNK)
            if n > 0:
                self.srv.stat_net_input_bytes += n
                if n < READ_CHUNK:
                    return
                continue
            if n == 0 or not (errno == EAGAIN or errno == EWOULDBLOCK or errno == EINTR):
                self._close(c)
            return

    cdef void _flush_pending(self):
        cdef list pending = self.srv.clients_pending_write
        cdef Client c
        if not pending:
            return
        self.srv.clients_pending_write = self.pending_spare
        for c in pending:
            c.flags &= ~CLIENT_PENDING_WRITE
            if c.fd >= 0 and not (c.flags & CLIENT_CLOSE_ASAP):
                self._write(c)
        del pending[:]
        self.pending_spare = pending

    def has_pending_write(self, Client c):
        return c.reply.len > c.sent

    # -- paused / blocked clients -----------------------------------------------------------------
    def resume_client(self, Client c):
        """A client can run again (unpaused, or served/unblocked after
        blocking on keys): at the start of the next turn its reply is
        scheduled and its pipelined input processed (Redis's
        processUnblockedClients)."""
        if c.fd >= 0:
            self.unblocked.append(c)

    cdef void _process_unblocked(self):
        cdef Client c
        while self.unblocked:
            batch, self.unblocked = self.unblocked, []
            for c in batch:
                if c.fd >= 0 and not (c.flags & CLIENT_BLOCKED):
                    self._process(c)

    # -- the loop -------------------------------------------------------------------------------
    cdef void _close_scheduled(self):
        """Close the clients queued on Server.clients_to_close: at once when
        flagged CLOSE_ASAP (killed, over an output limit), else once their
        reply is written (QUIT and protocol errors). Connection-less
        (embedded) clients queued there are forgotten."""
        cdef Client c
        cdef Server srv = self.srv
        if not srv.clients_to_close:
            return
        victims, srv.clients_to_close = srv.clients_to_close, []
        for c in victims:
            if c.flags & CLIENT_PROTECTED:
                # it runs the script that keeps the server busy: it is
                # closed once the script has returned
                srv.clients_to_close.append(c)
                continue
            if c.fd >= 0:
                if c.flags & CLIENT_CLOSE_ASAP or c.reply.len == c.sent:
                    self._close(c)
            elif c.id in srv.clients:
                self.instance.forget_client(c)

    cdef void _cron(self):
        self.instance.cron()
        self._clients_cron()
        self._sample_ops()

    cdef void _clients_cron(self):
        """Once a second (Redis's clientsCron): close clients idle for more
        than ``timeout`` seconds (blocked and pub/sub clients are exempt), and
        give back the query buffer space of clients idle for over 2 seconds
        when more than 4 KB of it is unused."""
        cdef Client c
        cdef double now = ustime() * 1e-6
        if now < self.next_timeout_check:
            return
        self.next_timeout_check = now + 1.0
        timeout = self.instance.config["timeout"]
        for c in list(self.conns):
            if c is None:
                continue
            if (timeout and not (c.flags & (CLIENT_BLOCKED | CLIENT_PUBSUB)) and
                    now - c.last_interaction > timeout):
                self.instance.log("verbose", "Closing idle client")
                self._close(c)
                continue
            if c.reply.len > c.sent and not (c.flags & CLIENT_CLOSE_ASAP) and \
                    output_limit_reached(c):
                # the soft limit's seconds ran out while nothing was added
                self._output_limit_close_now(c)
                continue
            if now - c.last_interaction > 2 and c.querybuf.cap - c.querybuf.len > 4096:
                rbuf_fit(&c.querybuf)

    cdef void _output_limit_close_now(self, Client c):
        from pyengine.t_server import client_info_string
        self.srv.stat_client_outbuf_limit_disconnections += 1
        self.instance.log("warning", "Client %s closed for overcoming of output buffer limits." %
                          client_info_string(self.instance, c))
        self._close(c)

    cdef void _sample_ops(self):
        cdef long long now = monotonic_us()
        cdef long long cmds = self.srv.stat_numcommands
        if self.last_ops_time and now > self.last_ops_time:
            self.ops_samples[self.ops_idx % 16] = (cmds - self.last_ops_cmds) * 1000000 // (now - self.last_ops_time)
            self.ops_idx += 1
        self.last_ops_time = now
        self.last_ops_cmds = cmds

    def instantaneous_ops(self):
        cdef int i
        cdef long long total = 0
        for i in range(16):
            total += self.ops_samples[i]
        return total // 16

    def run(self):
        """Serve until stop() or a shutdown request."""
        cdef epoll_event events[MAX_EVENTS]
        cdef int n, i, fd, timeout_ms
        cdef unsigned int ev
        cdef long long now
        cdef Client c
        cdef PyObject* item
        cdef list conns
        cdef long long period
        self.next_cron_us = monotonic_us()
        self.thread_id = threading.get_ident()
        while not self.stopping:
            if self.lock is not None:
                self.lock.acquire()
            try:
                self._process_unblocked()
                self._flush_pending()
                self._close_scheduled()
                self.instance.before_sleep()
            finally:
                if self.lock is not None:
                    self.lock.release()
            now = monotonic_us()
            timeout_ms = <int>((self.next_cron_us - now) // 1000)
            if self.srv.key_blocked_clients:
                # wake up for the nearest blocked-client timeout too
                bto = _blocked.next_timeout(self.srv)
                if bto:
                    bto = bto - ustime() // 1000
                    if bto < timeout_ms:
                        timeout_ms = <int>bto
            if self.unblocked:
                timeout_ms = 0
            if timeout_ms < 0:
                timeout_ms = 0
            with nogil:
                n = epoll_wait(self.epfd, events, MAX_EVENTS, timeout_ms)
            if n < 0:
                if errno == EINTR:
                    PyErr_CheckSignals()
                    self._check_shutdown()
                    continue
                raise OSError(errno, os.strerror(errno))
            if self.lock is not None:
                self.lock.acquire()
            try:
                self._handle_events(events, n)
                now = monotonic_us()
                if now >= self.next_cron_us:
                    period = 1000000 // self.srv.hz
                    self.next_cron_us = now + period
                    self._cron()
                if n > 0 and self.after_turn is not None:
                    self.after_turn()
            finally:
                if self.lock is not None:
                    self.lock.release()
            PyErr_CheckSignals()
            self._check_shutdown()
        self._final_flush()

    cdef void _handle_events(self, epoll_event* events, int n):
        """Accept, write and read for the ``n`` ready descriptors. A
        protected client (it runs the script that keeps the server busy) is
        left alone: its input waits in the socket until the script ends."""
        cdef int i, fd
        cdef unsigned int ev
        cdef PyObject* item
        cdef Client c
        cdef list conns = self.conns
        for i in range(n):
            fd = events[i].data.fd
            ev = events[i].events
            if fd == self.wake_fd:
                self._drain_wakeup()
                continue
            if self._is_listener(fd):
                self._accept(fd)
                continue
            if fd >= PyList_GET_SIZE(conns):
                continue
            item = PyList_GET_ITEM(conns, fd)
            if item == <PyObject*>None:
                continue
            c = <Client>item
            if c.flags & CLIENT_PROTECTED:
                continue
            if ev & EPOLLOUT:
                if not self._write(c):
                    continue
            if ev & (EPOLLIN | EPOLLERR | EPOLLHUP):
                if c.fd >= 0 and not (c.flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)):
                    self._read(c)
                elif c.fd >= 0 and ev & (EPOLLERR | EPOLLHUP):
                    self._close(c)
                elif c.fd >= 0:
                    self._discard_input(c)

    def process_events_while_blocked(self):
        """Serve the other clients while a script runs past
        busy-reply-threshold (Redis's processEventsWhileBlocked): called from
        the script's periodic hook, on the loop's thread, with the script's
        caller protected. A few non-waiting passes: accept, read and run
        what arrived (the dispatcher answers BUSY to everything but SCRIPT
        KILL, FUNCTION KILL, SHUTDOWN NOSAVE and the transaction commands),
        then write the replies. No cron runs meanwhile, as in Redis.
        Returns the number of events handled."""
        cdef epoll_event events[MAX_EVENTS]
        cdef int n, total = 0, rounds
        # Replies the interrupted turn produced before the script started
        # (clients served earlier in the same batch) go out now too: their
        # clients may be waiting on them to send what gets the BUSY reply.
        self._flush_pending()
        for rounds in range(4):
            n = epoll_wait(self.epfd, events, MAX_EVENTS, 0)
            if n <= 0:
                break
            total += n
            self._handle_events(events, n)
            self._flush_pending()
        self._close_scheduled()
        return total

    def on_loop_thread(self):
        """True when called from the thread running ``run()``."""
        return self.thread_id == threading.get_ident()

    cdef void _check_shutdown(self):
        if self.instance.shutdown_requested is not None and not self.stopping:
            if self.on_shutdown is not None and self.on_shutdown() is False:
                return              # vetoed (a final save failed): keep serving
            self.stopping = True

    cdef void _final_flush(self):
        self._flush_pending()

    def stop(self):
        """End run() (from any thread): it returns after the current turn."""
        self.stopping = True
        self.wakeup()

    def close_all(self):
        cdef Client c
        for c in list(self.conns):
            if c is not None:
                self._close(c)
        self.close_listeners()


def _format_addr(addr, family):
    if family == socket.AF_UNIX:
        return "%s:0" % (addr or "")
    host, port = addr[0], addr[1]
    if ":" in host:
        return "[%s]:%d" % (host, port)
    return "%s:%d" % (host, port)
