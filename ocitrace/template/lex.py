"""Go text/template's lexer: state functions that each return the next state.

Positions are indexes into the Python string (code points); error columns are turned into
Go's byte offsets when an error is reported.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Callable

from . import strconv
from .frozen import Frozen


class ItemType(enum.IntEnum):
    ERROR = 0
    BOOL = 1
    CHAR = 2
    CHAR_CONSTANT = 3
    COMMENT = 4
    COMPLEX = 5
    ASSIGN = 6
    DECLARE = 7
    EOF = 8
    FIELD = 9
    IDENTIFIER = 10
    LEFT_DELIM = 11
    LEFT_PAREN = 12
    NUMBER = 13
    PIPE = 14
    RAW_STRING = 15
    RIGHT_DELIM = 16
    RIGHT_PAREN = 17
    SPACE = 18
    STRING = 19
    TEXT = 20
    VARIABLE = 21
    KEYWORD = 22
    BLOCK = 23
    BREAK = 24
    CONTINUE = 25
    DOT = 26
    DEFINE = 27
    ELSE = 28
    END = 29
    IF = 30
    NIL = 31
    RANGE = 32
    TEMPLATE = 33
    WITH = 34


KEYWORDS = {
    ".": ItemType.DOT,
    "block": ItemType.BLOCK,
    "break": ItemType.BREAK,
    "continue": ItemType.CONTINUE,
    "define": ItemType.DEFINE,
    "else": ItemType.ELSE,
    "end": ItemType.END,
    "if": ItemType.IF,
    "range": ItemType.RANGE,
    "nil": ItemType.NIL,
    "template": ItemType.TEMPLATE,
    "with": ItemType.WITH,
}


class Item(Frozen):
    """One lexed token: its type, byte offset, text and line."""

    __slots__ = ("line", "pos", "typ", "val")
    typ: ItemType
    pos: int
    val: str
    line: int

    def __init__(self, typ: ItemType, pos: int, val: str, line: int) -> None:
        init = object.__setattr__
        init(self, "typ", typ)
        init(self, "pos", pos)
        init(self, "val", val)
        init(self, "line", line)

    def _key(self) -> tuple[object, ...]:
        return (self.typ, self.pos, self.val, self.line)

    def __repr__(self) -> str:
        return f"Item(typ={self.typ!r}, pos={self.pos!r}, val={self.val!r}, line={self.line!r})"

    def __str__(self) -> str:
        if self.typ == ItemType.EOF:
            return "EOF"
        if self.typ == ItemType.ERROR:
            return self.val
        if self.typ > ItemType.KEYWORD:
            return f"<{self.val}>"
        if len(self.val) > 10:
            return strconv.quote_prefix(self.val, 10) + "..."
        return strconv.quote(self.val)


EOF = ""
SPACE_CHARS = " \t\r\n"
TRIM_MARKER = "-"
LEFT_COMMENT = "/*"
RIGHT_COMMENT = "*/"

StateFn = Callable[["Lexer"], "StateFn | None"]


def is_space(r: str) -> bool:
    return r in (" ", "\t", "\r", "\n") and r != ""


def is_alnum(r: str) -> bool:
    if r == "":
        return False
    if r == "_" or (r.isascii() and r.isalnum()):
        return True
    if r.isascii():
        return False
    cat = unicodedata.category(r)
    return cat[0] == "L" or cat == "Nd"


def _has_left_trim(s: str, i: int) -> bool:
    return len(s) - i >= 2 and s[i] == TRIM_MARKER and is_space(s[i + 1])


def _has_right_trim(s: str, i: int) -> bool:
    return len(s) - i >= 2 and is_space(s[i]) and s[i + 1] == TRIM_MARKER


class Lexer:
    """Holds the scanner state; ``next_item()`` runs states until one item is ready."""

    def __init__(
        self,
        name: str,
        text: str,
        left: str = "",
        right: str = "",
        break_ok: bool = True,
        continue_ok: bool = True,
    ) -> None:
        self.name = name
        self.input = text
        self.left_delim = left or "{{"
        self.right_delim = right or "}}"
        self.pos = 0
        self.start = 0
        self.width = 0
        self.at_eof = False
        self.paren_depth = 0
        self.line = 1
        self.start_line = 1
        self.inside_action = False
        self.item = Item(ItemType.EOF, 0, "EOF", 1)
        self.break_ok = break_ok
        self.continue_ok = continue_ok

    # -- primitives ------------------------------------------------------------
    def next(self) -> str:
        if self.pos >= len(self.input):
            self.at_eof = True
            self.width = 0
            return EOF
        r = self.input[self.pos]
        self.pos += 1
        self.width = 1
        if r == "\n":
            self.line += 1
        return r

    def peek(self) -> str:
        if self.pos >= len(self.input):
            return EOF
        return self.input[self.pos]

    def backup(self) -> None:
        if not self.at_eof and self.pos > 0 and self.width:
            self.pos -= 1
            if self.input[self.pos] == "\n":
                self.line -= 1
        self.width = 0

    def this_item(self, t: ItemType) -> Item:
        i = Item(t, self.start, self.input[self.start : self.pos], self.start_line)
        self.start = self.pos
        self.start_line = self.line
        return i

    def emit(self, t: ItemType) -> None:
        self.item = self.this_item(t)

    def emit_item(self, i: Item) -> None:
        self.item = i

    def ignore(self) -> None:
        self.line += self.input.count("\n", self.start, self.pos)
        self.start = self.pos
        self.start_line = self.line

    def accept(self, valid: str) -> bool:
        r = self.next()
        if r != EOF and r in valid:
            return True
        self.backup()
        return False

    def accept_run(self, valid: str) -> None:
        while True:
            r = self.next()
            if r == EOF or r not in valid:
                break
        self.backup()

    def errorf(self, msg: str) -> None:
        self.item = Item(ItemType.ERROR, self.start, msg, self.start_line)
        self.start = 0
        self.pos = 0
        self.input = ""

    def next_item(self) -> Item:
        self.item = Item(ItemType.EOF, self.pos, "EOF", self.start_line)
        state: StateFn | None = lex_inside_action if self.inside_action else lex_text
        while state is not None:
            state = state(self)
        return self.item

    def at_right_delim(self) -> tuple[bool, bool]:
        s = self.input
        if _has_right_trim(s, self.pos) and s.startswith(self.right_delim, self.pos + 2):
            return True, True
        if s.startswith(self.right_delim, self.pos):
            return True, False
        return False, False

    def at_terminator(self) -> bool:
        r = self.peek()
        if is_space(r):
            return True
        if r in (EOF, ".", ",", "|", ":", ")", "("):
            return True
        return self.input.startswith(self.right_delim, self.pos)


def _right_trim_length(s: str) -> int:
    return len(s) - len(s.rstrip(SPACE_CHARS))


def _left_trim_length(s: str) -> int:
    return len(s) - len(s.lstrip(SPACE_CHARS))


def lex_text(lx: Lexer) -> StateFn | None:
    x = lx.input.find(lx.left_delim, lx.pos)
    if x >= 0:
        if x > lx.pos:
            lx.pos = x
            trim = 0
            delim_end = lx.pos + len(lx.left_delim)
            if _has_left_trim(lx.input, delim_end):
                trim = _right_trim_length(lx.input[lx.start : lx.pos])
            lx.pos -= trim
            lx.line += lx.input.count("\n", lx.start, lx.pos)
            i = lx.this_item(ItemType.TEXT)
            lx.pos += trim
            lx.ignore()
            if i.val:
                lx.emit_item(i)
                return None
        return lex_left_delim
    lx.pos = len(lx.input)
    if lx.pos > lx.start:
        lx.line += lx.input.count("\n", lx.start, lx.pos)
        lx.emit(ItemType.TEXT)
        return None
    lx.emit(ItemType.EOF)
    return None


def lex_left_delim(lx: Lexer) -> StateFn | None:
    lx.pos += len(lx.left_delim)
    trim = _has_left_trim(lx.input, lx.pos)
    after = 2 if trim else 0
    if lx.input.startswith(LEFT_COMMENT, lx.pos + after):
        lx.pos += after
        lx.ignore()
        return lex_comment
    i = lx.this_item(ItemType.LEFT_DELIM)
    lx.inside_action = True
    lx.pos += after
    lx.ignore()
    lx.paren_depth = 0
    lx.emit_item(i)
    return None


def lex_comment(lx: Lexer) -> StateFn | None:
    lx.pos += len(LEFT_COMMENT)
    x = lx.input.find(RIGHT_COMMENT, lx.pos)
    if x < 0:
        lx.errorf("unclosed comment")
        return None
    lx.pos = x + len(RIGHT_COMMENT)
    delim, trim = lx.at_right_delim()
    if not delim:
        lx.errorf("comment ends before closing delimiter")
        return None
    lx.line += lx.input.count("\n", lx.start, lx.pos)
    lx.this_item(ItemType.COMMENT)
    if trim:
        lx.pos += 2
    lx.pos += len(lx.right_delim)
    if trim:
        lx.pos += _left_trim_length(lx.input[lx.pos :])
    lx.ignore()
    return lex_text


def lex_right_delim(lx: Lexer) -> StateFn | None:
    _, trim = lx.at_right_delim()
    if trim:
        lx.pos += 2
        lx.ignore()
    lx.pos += len(lx.right_delim)
    i = lx.this_item(ItemType.RIGHT_DELIM)
    if trim:
        lx.pos += _left_trim_length(lx.input[lx.pos :])
        lx.ignore()
    lx.inside_action = False
    lx.emit_item(i)
    return None


def lex_inside_action(lx: Lexer) -> StateFn | None:
    delim, _ = lx.at_right_delim()
    if delim:
        if lx.paren_depth == 0:
            return lex_right_delim
        lx.errorf("unclosed left paren")
        return None
    r = lx.next()
    if r == EOF:
        lx.errorf("unclosed action")
        return None
    if is_space(r):
        lx.backup()
        return lex_space
    if r == "=":
        lx.emit(ItemType.ASSIGN)
        return None
    if r == ":":
        if lx.next() != "=":
            lx.errorf("expected :=")
            return None
        lx.emit(ItemType.DECLARE)
        return None
    if r == "|":
        lx.emit(ItemType.PIPE)
        return None
    if r == '"':
        return lex_quote
    if r == "`":
        return lex_raw_quote
    if r == "$":
        return lex_variable
    if r == "'":
        return lex_char
    if r == ".":
        if lx.pos < len(lx.input):
            c = lx.input[lx.pos]
            if c < "0" or c > "9":
                return lex_field
        lx.backup()
        return lex_number
    if r in "+-" or "0" <= r <= "9":
        lx.backup()
        return lex_number
    if is_alnum(r):
        lx.backup()
        return lex_identifier
    if r == "(":
        lx.paren_depth += 1
        lx.emit(ItemType.LEFT_PAREN)
        return None
    if r == ")":
        lx.paren_depth -= 1
        if lx.paren_depth < 0:
            lx.errorf("unexpected right paren")
            return None
        lx.emit(ItemType.RIGHT_PAREN)
        return None
    if r.isascii() and r.isprintable():
        lx.emit(ItemType.CHAR)
        return None
    lx.errorf(f"unrecognized character in action: {strconv.sharp_u(ord(r))}")
    return None


def lex_space(lx: Lexer) -> StateFn | None:
    num = 0
    while is_space(lx.peek()):
        lx.next()
        num += 1
    s = lx.input
    if _has_right_trim(s, lx.pos - 1) and s.startswith(lx.right_delim, lx.pos - 1 + 2):
        lx.backup()
        if num == 1:
            return lex_right_delim
    lx.emit(ItemType.SPACE)
    return None


def lex_identifier(lx: Lexer) -> StateFn | None:
    while True:
        r = lx.next()
        if is_alnum(r):
            continue
        lx.backup()
        word = lx.input[lx.start : lx.pos]
        if not lx.at_terminator():
            lx.errorf(f"bad character {strconv.sharp_u(ord(r))}")
            return None
        kw = KEYWORDS.get(word)
        if kw is not None and kw > ItemType.KEYWORD:
            if (kw == ItemType.BREAK and not lx.break_ok) or (
                kw == ItemType.CONTINUE and not lx.continue_ok
            ):
                lx.emit(ItemType.IDENTIFIER)
            else:
                lx.emit(kw)
        elif word[0] == ".":
            lx.emit(ItemType.FIELD)
        elif word in ("true", "false"):
            lx.emit(ItemType.BOOL)
        else:
            lx.emit(ItemType.IDENTIFIER)
        return None


def lex_field(lx: Lexer) -> StateFn | None:
    return _lex_field_or_variable(lx, ItemType.FIELD)


def lex_variable(lx: Lexer) -> StateFn | None:
    if lx.at_terminator():
        lx.emit(ItemType.VARIABLE)
        return None
    return _lex_field_or_variable(lx, ItemType.VARIABLE)


def _lex_field_or_variable(lx: Lexer, typ: ItemType) -> StateFn | None:
    if lx.at_terminator():
        lx.emit(ItemType.VARIABLE if typ == ItemType.VARIABLE else ItemType.DOT)
        return None
    r = ""
    while True:
        r = lx.next()
        if not is_alnum(r):
            lx.backup()
            break
    if not lx.at_terminator():
        lx.errorf(f"bad character {strconv.sharp_u(ord(r)) if r else 'U+FFFFFFFF'}")
        return None
    lx.emit(typ)
    return None


def lex_char(lx: Lexer) -> StateFn | None:
    while True:
        r = lx.next()
        if r == "\\":
            r2 = lx.next()
            if r2 not in (EOF, "\n"):
                continue
            lx.errorf("unterminated character constant")
            return None
        if r in (EOF, "\n"):
            lx.errorf("unterminated character constant")
            return None
        if r == "'":
            break
    lx.emit(ItemType.CHAR_CONSTANT)
    return None


def lex_number(lx: Lexer) -> StateFn | None:
    if not _scan_number(lx):
        lx.errorf(f"bad number syntax: {strconv.quote(lx.input[lx.start : lx.pos])}")
        return None
    sign = lx.peek()
    if sign in ("+", "-") and sign != "":
        if not _scan_number(lx) or lx.input[lx.pos - 1] != "i":
            lx.errorf(f"bad number syntax: {strconv.quote(lx.input[lx.start : lx.pos])}")
            return None
        lx.emit(ItemType.COMPLEX)
        return None
    lx.emit(ItemType.NUMBER)
    return None


def _scan_number(lx: Lexer) -> bool:
    lx.accept("+-")
    digits = "0123456789_"
    if lx.accept("0"):
        if lx.accept("xX"):
            digits = "0123456789abcdefABCDEF_"
        elif lx.accept("oO"):
            digits = "01234567_"
        elif lx.accept("bB"):
            digits = "01_"
    lx.accept_run(digits)
    if lx.accept("."):
        lx.accept_run(digits)
    if len(digits) == 10 + 1 and lx.accept("eE"):
        lx.accept("+-")
        lx.accept_run("0123456789_")
    if len(digits) == 16 + 6 + 1 and lx.accept("pP"):
        lx.accept("+-")
        lx.accept_run("0123456789_")
    lx.accept("i")
    if is_alnum(lx.peek()):
        lx.next()
        return False
    return True


def lex_quote(lx: Lexer) -> StateFn | None:
    while True:
        r = lx.next()
        if r == "\\":
            r2 = lx.next()
            if r2 not in (EOF, "\n"):
                continue
            lx.errorf("unterminated quoted string")
            return None
        if r in (EOF, "\n"):
            lx.errorf("unterminated quoted string")
            return None
        if r == '"':
            break
    lx.emit(ItemType.STRING)
    return None


def lex_raw_quote(lx: Lexer) -> StateFn | None:
    while True:
        r = lx.next()
        if r == EOF:
            lx.errorf("unterminated raw quoted string")
            return None
        if r == "`":
            break
    lx.emit(ItemType.RAW_STRING)
    return None
