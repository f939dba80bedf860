"""A local IMAP server (asyncio), faithful to the subset of RFC 3501 / RFC 9051 the bounce reader
(``genius.workers.email_send.imap``) uses, for the tests and the demo:

* implicit TLS (``serve(ssl_context=…)``) or ``STARTTLS`` (when ``tls`` is set, before login);
* the greeting (``* OK [CAPABILITY …]``), ``CAPABILITY``, ``NOOP``, ``LOGIN`` (``NO
  [AUTHENTICATIONFAILED]`` for a wrong password), ``LOGOUT`` (``* BYE`` then the tagged OK);
* ``SELECT`` / ``EXAMINE`` (``EXISTS``, ``RECENT``, ``FLAGS``, ``UIDVALIDITY``, ``UIDNEXT``, ``NO
  [NONEXISTENT]`` for an unknown folder), ``CLOSE``, ``EXPUNGE``;
* ``UID SEARCH`` (``ALL``, ``SEEN``/``UNSEEN``, ``FLAGGED``/``UNFLAGGED``, ``DELETED``/``UNDELETED``,
  ``UID <set>``, ANDed), ``UID FETCH <set> (UID FLAGS RFC822.SIZE BODY[] BODY.PEEK[])`` — the message
  as a literal ``{n}``, ``BODY[]`` (not ``PEEK``) sets ``\\Seen`` —, ``UID STORE <set> ±FLAGS[.SILENT]``,
  ``UID COPY <set> <folder>`` and ``UID EXPUNGE <set>`` (UIDPLUS);
* arguments as atoms, quoted strings (``\\"`` and ``\\\\`` escapes), parenthesised lists and
  synchronising literals (``{n}`` → ``+ Ready``); a command in the wrong state is ``BAD``, an unknown
  one ``BAD``.

Faults for the tests: ``drop_on_fetch`` (the n-th body fetch sends half its literal, then the
connection closes) and ``drop_on_store`` (the n-th STORE closes the connection without answering).
``serve()`` runs the server on a thread and yields its port.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

CAPABILITIES = "IMAP4rev1 UIDPLUS LITERAL+ ID"
SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
_LITERAL = re.compile(rb"\{(\d+)(\+?)\}\r\n$")


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Folder:
    uid_validity: int = 1
    uid_next: int = 1
    messages: list[StoredMessage] = field(default_factory=list)

    def add(self, raw: bytes, flags: set[str] | None = None) -> int:
        uid = self.uid_next
        self.uid_next += 1
        self.messages.append(StoredMessage(uid, raw, set(flags or ())))
        return uid


class BadCommand(ValueError):
    """A syntax error: answered ``BAD``."""


class _Closed(Exception):
    """The fault closed the connection: nothing more is read or written."""


@dataclass
class FakeImap:
    """One account (``user`` / ``password``) with its folders; thread-safe enough for tests (the asyncio
    loop runs on its own thread; the test appends and reads between polls)."""

    user: str = "bounces@genius.local"
    password: str = "parola-imap"
    folders: dict[str, Folder] = field(default_factory=lambda: {"INBOX": Folder()})
    tls: ssl.SSLContext | None = None  # offers STARTTLS with it (``serve(ssl_context=…)``: implicit TLS)
    drop_on_fetch: int | None = None
    drop_on_store: int | None = None
    fetches: int = 0
    stores: int = 0
    commands: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def append(self, raw: bytes, folder: str = "INBOX", flags: set[str] | None = None) -> int:
        with self._lock:
            return self.folders.setdefault(folder, Folder()).add(raw, flags)

    def flags_of(self, uid: int, folder: str = "INBOX") -> set[str]:
        with self._lock:
            return next(set(m.flags) for m in self.folders[folder].messages if m.uid == uid)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(self, reader, writer)
        try:
            await session.run()
        except (_Closed, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def _tokens(line: bytes, literals: list[bytes]) -> list[object]:
    """The arguments of a command: atoms and strings as ``str``, lists as ``list``; each ``{n}`` takes the
    next literal (already read)."""
    pos = 0
    stack: list[list[object]] = [[]]
    while pos < len(line):
        ch = line[pos : pos + 1]
        if ch == b" ":
            pos += 1
        elif ch == b"(":
            stack.append([])
            pos += 1
        elif ch == b")":
            if len(stack) == 1:
                raise BadCommand("unbalanced )")
            done = stack.pop()
            stack[-1].append(done)
            pos += 1
        elif ch == b'"':
            pos += 1
            out = bytearray()
            while True:
                if pos >= len(line):
                    raise BadCommand("unterminated quoted string")
                c = line[pos]
                if c == 0x5C:  # backslash: only \" and \\ are allowed
                    if pos + 1 >= len(line) or line[pos + 1] not in (0x22, 0x5C):
                        raise BadCommand("bad escape in quoted string")
                    out.append(line[pos + 1])
                    pos += 2
                elif c == 0x22:
                    pos += 1
                    break
                else:
                    out.append(c)
                    pos += 1
            stack[-1].append(out.decode("utf-8", "replace"))
        elif ch == b"{":
            end = line.index(b"}", pos)
            if not literals:
                raise BadCommand("literal without data")
            stack[-1].append(literals.pop(0).decode("utf-8", "replace"))
            pos = end + 1
        else:
            match = re.compile(rb"[^ ()\"{]+(\[[^\]]*\](<[0-9.]+>)?)?").match(line, pos)
            if match is None:
                raise BadCommand("unexpected character")
            stack[-1].append(match.group(0).decode("utf-8", "replace"))
            pos = match.end()
    if len(stack) != 1:
        raise BadCommand("unbalanced (")
    return stack[0]


def _uid_set(spec: str, highest: int) -> set[int]:
    """``1:3,7,9:*`` → the UIDs it names (``*`` is the highest UID in the folder)."""
    out: set[int] = set()
    try:
        for part in spec.split(","):
            lo, _, hi = part.partition(":")
            a = highest if lo == "*" else int(lo)
            b = a if not _ else (highest if hi == "*" else int(hi))
            out.update(range(min(a, b), max(a, b) + 1))
    except ValueError:
        raise BadCommand(f"bad sequence set {spec!r}") from None
    return out


def _flag_list(flags: set[str]) -> str:
    return "(" + " ".join(sorted(flags)) + ")"


class _Session:
    def __init__(self, server: FakeImap, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.user: str | None = None
        self.secured = False  # TLS is on (implicit, or after STARTTLS)
        self.folder: str | None = None
        self.read_only = False

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def line(self, text: str) -> None:
        await self.send(text.encode() + b"\r\n")

    async def read_command(self) -> tuple[bytes, list[bytes]] | None:
        """One command line with its literals (``{n}`` asks for ``n`` bytes after a ``+`` continuation,
        ``{n+}`` sends them at once)."""
        parts: list[bytes] = []
        literals: list[bytes] = []
        while True:
            raw = await self.reader.readline()
            if not raw:
                return None
            if not raw.endswith(b"\r\n"):
                raw = raw.rstrip(b"\n") + b"\r\n"  # a bare LF is tolerated
            match = _LITERAL.search(raw)
            if match is None:
                parts.append(raw[:-2])
                return b"".join(parts), literals
            parts.append(raw[: match.start()] + b"{" + match.group(1) + b"}")
            if not match.group(2):
                await self.line("+ Ready for literal data")
            literals.append(await self.reader.readexactly(int(match.group(1))))

    @property
    def capabilities(self) -> str:
        if self.server.tls is not None and not self.secured and self.user is None:
            return CAPABILITIES + " STARTTLS"
        return CAPABILITIES

    async def run(self) -> None:
        self.secured = self.writer.get_extra_info("sslcontext") is not None
        await self.line(f"* OK [CAPABILITY {self.capabilities}] GeniusERP fake IMAP ready")
        while True:
            command = await self.read_command()
            if command is None:
                return
            line, literals = command
            tag, _, rest = line.partition(b" ")
            tag_text = tag.decode("ascii", "replace")
            if not tag or not rest or not re.fullmatch(r"[A-Za-z0-9.]+", tag_text):
                await self.line("* BAD missing tag or command")
                continue
            name, _, args_raw = rest.partition(b" ")
            verb = name.decode("ascii", "replace").upper()
            with self.server._lock:
                self.server.commands.append(verb)
            try:
                args = _tokens(args_raw, literals)
                if await self.dispatch(tag_text, verb, args):
                    return
            except BadCommand as exc:
                await self.line(f"{tag_text} BAD {exc}")

    async def dispatch(self, tag: str, verb: str, args: list[object]) -> bool:
        """Runs one command; ``True`` when the session ends."""
        if verb == "CAPABILITY":
            await self.line(f"* CAPABILITY {self.capabilities}")
        elif verb == "STARTTLS":
            if "STARTTLS" not in self.capabilities or self.server.tls is None:
                raise BadCommand("STARTTLS is not offered here")
            await self.line(f"{tag} OK Begin TLS negotiation now")
            await self.writer.start_tls(self.server.tls)  # the reader reads the decrypted stream after
            self.secured = True
            return False
        elif verb == "NOOP":
            pass
        elif verb == "LOGOUT":
            await self.line("* BYE GeniusERP fake IMAP logging out")
            await self.line(f"{tag} OK LOGOUT completed")
            return True
        elif verb == "ID":
            await self.line('* ID ("name" "genius-fake-imap")')
        elif verb == "LOGIN":
            if self.user is not None:
                raise BadCommand("already authenticated")
            if len(args) != 2 or not all(isinstance(a, str) for a in args):
                raise BadCommand("LOGIN takes a user and a password")
            if args[0] != self.server.user or args[1] != self.server.password:
                await self.line(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
                return False
            self.user = str(args[0])
            await self.line(f"{tag} OK [CAPABILITY {self.capabilities}] LOGIN completed")
            return False
        elif self.user is None:
            raise BadCommand(f"{verb} needs an authenticated session")
        elif verb in ("SELECT", "EXAMINE"):
            await self.select(tag, verb, args)
            return False
        elif self.folder is None:
            raise BadCommand(f"{verb} needs a selected folder")
        elif verb == "CLOSE":
            if not self.read_only:
                self.expunge(None)
            self.folder = None
        elif verb == "EXPUNGE":
            for seq in self.expunge(None):
                await self.line(f"* {seq} EXPUNGE")
        elif verb == "UID":
            if not args or not isinstance(args[0], str):
                raise BadCommand("UID needs a command")
            return await self.uid(tag, args[0].upper(), args[1:])
        else:
            raise BadCommand(f"unknown command {verb}")
        await self.line(f"{tag} OK {verb} completed")
        return False

    async def select(self, tag: str, verb: str, args: list[object]) -> None:
        if len(args) != 1 or not isinstance(args[0], str):
            raise BadCommand(f"{verb} takes a folder name")
        name = "INBOX" if args[0].upper() == "INBOX" else args[0]
        self.folder = None
        with self.server._lock:
            folder = self.server.folders.get(name)
            if folder is None:
                await self.line(f"{tag} NO [NONEXISTENT] No such folder")
                return
            exists = len(folder.messages)
            validity, uid_next = folder.uid_validity, folder.uid_next
        self.folder, self.read_only = name, verb == "EXAMINE"
        await self.line(f"* {exists} EXISTS")
        await self.line("* 0 RECENT")
        await self.line(f"* FLAGS {_flag_list(set(SYSTEM_FLAGS))}")
        await self.line(f"* OK [PERMANENTFLAGS {_flag_list(set(SYSTEM_FLAGS))}] Limited")
        await self.line(f"* OK [UIDVALIDITY {validity}] UIDs valid")
        await self.line(f"* OK [UIDNEXT {uid_next}] Predicted next UID")
        mode = "READ-ONLY" if self.read_only else "READ-WRITE"
        await self.line(f"{tag} OK [{mode}] {verb} completed")

    def messages(self) -> list[StoredMessage]:
        assert self.folder is not None
        return self.server.folders[self.folder].messages

    def expunge(self, uids: set[int] | None) -> list[int]:
        """Removes the ``\\Deleted`` messages (of ``uids`` when given); their sequence numbers, as the
        untagged EXPUNGE responses report them (each one after the removals before it)."""
        removed: list[int] = []
        with self.server._lock:
            messages = self.messages()
            seq = 1
            for message in list(messages):
                if "\\Deleted" in message.flags and (uids is None or message.uid in uids):
                    messages.remove(message)
                    removed.append(seq)
                else:
                    seq += 1
        return removed

    async def uid(self, tag: str, verb: str, args: list[object]) -> bool:
        messages = self.messages()
        highest = max((m.uid for m in messages), default=0)
        if verb == "SEARCH":
            await self.line("* SEARCH" + "".join(f" {m.uid}" for m in self.search(args, highest)))
        elif verb == "FETCH":
            if len(args) != 2 or not isinstance(args[0], str):
                raise BadCommand("UID FETCH takes a set and items")
            items = args[1] if isinstance(args[1], list) else [args[1]]
            wanted = _uid_set(args[0], highest)
            for seq, message in enumerate(list(messages), start=1):
                if message.uid in wanted:
                    await self.fetch(seq, message, [str(i).upper() for i in items])
        elif verb == "STORE":
            await self.store(args, highest)
        elif verb == "COPY":
            if len(args) != 2 or not all(isinstance(a, str) for a in args):
                raise BadCommand("UID COPY takes a set and a folder")
            target = str(args[1])
            with self.server._lock:
                if target not in self.server.folders:
                    await self.line(f"{tag} NO [TRYCREATE] No such folder")
                    return False
                wanted = _uid_set(str(args[0]), highest)
                for message in messages:
                    if message.uid in wanted:
                        self.server.folders[target].add(message.raw, message.flags - {"\\Deleted"})
        elif verb == "EXPUNGE":
            if len(args) != 1 or not isinstance(args[0], str):
                raise BadCommand("UID EXPUNGE takes a set")
            for seq in self.expunge(_uid_set(args[0], highest)):
                await self.line(f"* {seq} EXPUNGE")
        else:
            raise BadCommand(f"unknown UID command {verb}")
        await self.line(f"{tag} OK UID {verb} completed")
        return False

    def search(self, args: list[object], highest: int) -> list[StoredMessage]:
        keys = [str(a).upper() if isinstance(a, str) else a for a in args] or ["ALL"]
        out = []
        for message in self.messages():
            ok = True
            i = 0
            while i < len(keys):
                key = keys[i]
                if key == "UID":
                    i += 1
                    if i >= len(keys):
                        raise BadCommand("UID needs a set")
                    ok &= message.uid in _uid_set(str(keys[i]), highest)
                elif key == "ALL":
                    pass
                elif key in ("SEEN", "FLAGGED", "DELETED", "ANSWERED", "DRAFT"):
                    ok &= "\\" + key.capitalize() in message.flags
                elif key in ("UNSEEN", "UNFLAGGED", "UNDELETED", "UNANSWERED", "UNDRAFT"):
                    ok &= "\\" + key[2:].capitalize() not in message.flags
                else:
                    raise BadCommand(f"unsupported search key {key}")
                i += 1
            if ok:
                out.append(message)
        return out

    async def fetch(self, seq: int, message: StoredMessage, items: list[str]) -> None:
        parts: list[bytes] = [f"UID {message.uid}".encode()]
        body: bytes | None = None
        for item in items:
            if item in ("BODY[]", "BODY.PEEK[]", "RFC822"):
                body = message.raw
                if item != "BODY.PEEK[]" and not self.read_only:
                    message.flags.add("\\Seen")
            elif item == "RFC822.SIZE":
                parts.append(f"RFC822.SIZE {len(message.raw)}".encode())
            elif item not in ("UID", "FLAGS"):
                raise BadCommand(f"unsupported fetch item {item}")
        if "FLAGS" in items or (body is not None and "BODY.PEEK[]" not in items):
            parts.append(f"FLAGS {_flag_list(message.flags)}".encode())
        head = f"* {seq} FETCH (".encode() + b" ".join(parts)
        if body is None:
            await self.send(head + b")\r\n")
            return
        with self.server._lock:
            self.server.fetches += 1
            drop = self.server.drop_on_fetch == self.server.fetches
            if drop:
                self.server.drop_on_fetch = None
        literal = f" BODY[] {{{len(body)}}}\r\n".encode()
        if drop:  # half the message, then the connection is gone
            await self.send(head + literal + body[: len(body) // 2])
            raise _Closed
        await self.send(head + literal + body + b")\r\n")

    async def store(self, args: list[object], highest: int) -> None:
        if len(args) != 3 or not isinstance(args[0], str) or not isinstance(args[1], str):
            raise BadCommand("UID STORE takes a set, an operation and flags")
        with self.server._lock:
            self.server.stores += 1
            if self.server.drop_on_store == self.server.stores:
                self.server.drop_on_store = None
                raise _Closed
        if self.read_only:
            raise BadCommand("the folder is read-only")
        operation = args[1].upper()
        silent = operation.endswith(".SILENT")
        operation = operation.removesuffix(".SILENT")
        flags_arg = args[2] if isinstance(args[2], list) else [args[2]]
        system = {f.lower(): f for f in SYSTEM_FLAGS}
        flags = {system.get(str(f).lower(), str(f)) for f in flags_arg}
        if operation not in ("FLAGS", "+FLAGS", "-FLAGS"):
            raise BadCommand(f"unknown STORE operation {operation}")
        wanted = _uid_set(args[0], highest)
        for seq, message in enumerate(list(self.messages()), start=1):
            if message.uid not in wanted:
                continue
            with self.server._lock:
                if operation == "FLAGS":
                    message.flags = set(flags)
                elif operation == "+FLAGS":
                    message.flags |= flags
                else:
                    message.flags -= flags
            if not silent:
                await self.line(f"* {seq} FETCH (UID {message.uid} FLAGS {_flag_list(message.flags)})")


@contextmanager
def serve(
    server: FakeImap, host: str = "127.0.0.1", port: int = 0, *, ssl_context: ssl.SSLContext | None = None
) -> Iterator[int]:
    """Runs ``server`` on its own thread and event loop (implicit TLS with ``ssl_context``, as on port
    993); yields the port it listens on."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    bound: list[int] = []
    stopping: list[asyncio.Event] = []

    async def main() -> None:
        listener = await asyncio.start_server(server.handle, host, port, ssl=ssl_context)
        bound.append(listener.sockets[0].getsockname()[1])
        stop = asyncio.Event()
        stopping.append(stop)
        ready.set()
        async with listener:
            await stop.wait()

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield bound[0]
    finally:
        loop.call_soon_threadsafe(stopping[0].set)
        thread.join(10)
        loop.close()
