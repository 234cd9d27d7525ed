"""Parse-tree nodes; ``str(node)`` reprints source exactly as Go's ``Node.String()``."""

from __future__ import annotations

import enum

from . import strconv

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .parse import Tree


class NodeType(enum.IntEnum):
    TEXT = 0
    ACTION = 1
    BOOL = 2
    CHAIN = 3
    COMMAND = 4
    DOT = 5
    ELSE = 6
    END = 7
    FIELD = 8
    IDENTIFIER = 9
    IF = 10
    LIST = 11
    NIL = 12
    NUMBER = 13
    PIPE = 14
    RANGE = 15
    STRING = 16
    TEMPLATE = 17
    VARIABLE = 18
    WITH = 19
    COMMENT = 20
    BREAK = 21
    CONTINUE = 22


def _l(n: Node) -> str:
    return n.tree.left_delim if n.tree is not None else "{{"


def _r(n: Node) -> str:
    return n.tree.right_delim if n.tree is not None else "}}"


class Node:
    """Base node: a type, a position (code-point index into the text) and the owning tree."""

    type: NodeType
    __slots__ = ("pos", "tree")

    def __init__(self, tree: Tree | None, pos: int) -> None:
        self.tree = tree
        self.pos = pos

    def write_to(self, sb: list[str]) -> None:
        raise NotImplementedError

    def __str__(self) -> str:
        sb: list[str] = []
        self.write_to(sb)
        return "".join(sb)


class ListNode(Node):
    type = NodeType.LIST
    __slots__ = ("nodes",)

    def __init__(self, tree: Tree | None, pos: int) -> None:
        super().__init__(tree, pos)
        self.nodes: list[Node] = []

    def append(self, n: Node) -> None:
        self.nodes.append(n)

    def write_to(self, sb: list[str]) -> None:
        for n in self.nodes:
            n.write_to(sb)


class TextNode(Node):
    type = NodeType.TEXT
    __slots__ = ("text",)

    def __init__(self, tree: Tree | None, pos: int, text: str) -> None:
        super().__init__(tree, pos)
        self.text = text

    def write_to(self, sb: list[str]) -> None:
        sb.append(self.text)


class CommentNode(Node):
    type = NodeType.COMMENT
    __slots__ = ("text",)

    def __init__(self, tree: Tree | None, pos: int, text: str) -> None:
        super().__init__(tree, pos)
        self.text = text

    def write_to(self, sb: list[str]) -> None:
        sb.append(_l(self) + self.text + _r(self))


class VariableNode(Node):
    type = NodeType.VARIABLE
    __slots__ = ("ident",)

    def __init__(self, tree: Tree | None, pos: int, ident: str) -> None:
        super().__init__(tree, pos)
        self.ident = ident.split(".")

    def write_to(self, sb: list[str]) -> None:
        sb.append(".".join(self.ident))


class PipeNode(Node):
    type = NodeType.PIPE
    __slots__ = ("cmds", "decl", "is_assign", "line")

    def __init__(self, tree: Tree | None, pos: int, line: int, decl: list[VariableNode]) -> None:
        super().__init__(tree, pos)
        self.line = line
        self.is_assign = False
        self.decl = decl
        self.cmds: list[CommandNode] = []

    def append(self, c: CommandNode) -> None:
        self.cmds.append(c)

    def write_to(self, sb: list[str]) -> None:
        if self.decl:
            for i, v in enumerate(self.decl):
                if i > 0:
                    sb.append(", ")
                v.write_to(sb)
            sb.append(" = " if self.is_assign else " := ")
        for i, c in enumerate(self.cmds):
            if i > 0:
                sb.append(" | ")
            c.write_to(sb)


class ActionNode(Node):
    type = NodeType.ACTION
    __slots__ = ("line", "pipe")

    def __init__(self, tree: Tree | None, pos: int, line: int, pipe: PipeNode) -> None:
        super().__init__(tree, pos)
        self.line = line
        self.pipe = pipe

    def write_to(self, sb: list[str]) -> None:
        sb.append(_l(self))
        self.pipe.write_to(sb)
        sb.append(_r(self))


class CommandNode(Node):
    type = NodeType.COMMAND
    __slots__ = ("args",)

    def __init__(self, tree: Tree | None, pos: int) -> None:
        super().__init__(tree, pos)
        self.args: list[Node] = []

    def append(self, n: Node) -> None:
        self.args.append(n)

    def write_to(self, sb: list[str]) -> None:
        for i, arg in enumerate(self.args):
            if i > 0:
                sb.append(" ")
            if isinstance(arg, PipeNode):
                sb.append("(")
                arg.write_to(sb)
                sb.append(")")
                continue
            arg.write_to(sb)


class IdentifierNode(Node):
    type = NodeType.IDENTIFIER
    __slots__ = ("ident",)

    def __init__(self, tree: Tree | None, pos: int, ident: str) -> None:
        super().__init__(tree, pos)
        self.ident = ident

    def write_to(self, sb: list[str]) -> None:
        sb.append(self.ident)


class DotNode(Node):
    type = NodeType.DOT
    __slots__ = ()

    def write_to(self, sb: list[str]) -> None:
        sb.append(".")


class NilNode(Node):
    type = NodeType.NIL
    __slots__ = ()

    def write_to(self, sb: list[str]) -> None:
        sb.append("nil")


class FieldNode(Node):
    type = NodeType.FIELD
    __slots__ = ("ident",)

    def __init__(self, tree: Tree | None, pos: int, ident: str) -> None:
        super().__init__(tree, pos)
        self.ident = ident[1:].split(".")

    def write_to(self, sb: list[str]) -> None:
        for i in self.ident:
            sb.append("." + i)


class ChainNode(Node):
    type = NodeType.CHAIN
    __slots__ = ("field", "node")

    def __init__(self, tree: Tree | None, pos: int, node: Node) -> None:
        super().__init__(tree, pos)
        self.node = node
        self.field: list[str] = []

    def add(self, f: str) -> None:
        self.field.append(f[1:])

    def write_to(self, sb: list[str]) -> None:
        if isinstance(self.node, PipeNode):
            sb.append("(")
            self.node.write_to(sb)
            sb.append(")")
        else:
            self.node.write_to(sb)
        for f in self.field:
            sb.append("." + f)


class BoolNode(Node):
    type = NodeType.BOOL
    __slots__ = ("true",)

    def __init__(self, tree: Tree | None, pos: int, true: bool) -> None:
        super().__init__(tree, pos)
        self.true = true

    def write_to(self, sb: list[str]) -> None:
        sb.append("true" if self.true else "false")


class NumberNode(Node):
    """A numeric constant with every Go interpretation that succeeded."""

    type = NodeType.NUMBER
    __slots__ = (
        "complex128",
        "float64",
        "int64",
        "is_complex",
        "is_float",
        "is_int",
        "is_uint",
        "text",
        "uint64",
    )

    def __init__(self, tree: Tree | None, pos: int, text: str) -> None:
        super().__init__(tree, pos)
        self.text = text
        self.is_int = self.is_uint = self.is_float = self.is_complex = False
        self.int64 = 0
        self.uint64 = 0
        self.float64 = 0.0
        self.complex128 = 0j

    def write_to(self, sb: list[str]) -> None:
        sb.append(self.text)


class StringNode(Node):
    type = NodeType.STRING
    __slots__ = ("quoted", "text")

    def __init__(self, tree: Tree | None, pos: int, orig: str, text: str) -> None:
        super().__init__(tree, pos)
        self.quoted = orig
        self.text = text

    def write_to(self, sb: list[str]) -> None:
        sb.append(self.quoted)


class EndNode(Node):
    type = NodeType.END
    __slots__ = ()

    def write_to(self, sb: list[str]) -> None:
        sb.append(_l(self) + "end" + _r(self))


class ElseNode(Node):
    type = NodeType.ELSE
    __slots__ = ("line",)

    def __init__(self, tree: Tree | None, pos: int, line: int) -> None:
        super().__init__(tree, pos)
        self.line = line

    def write_to(self, sb: list[str]) -> None:
        sb.append(_l(self) + "else" + _r(self))


class BranchNode(Node):
    """if / range / with."""

    __slots__ = ("else_list", "line", "list", "pipe")
    keyword = ""

    def __init__(
        self,
        tree: Tree | None,
        pos: int,
        line: int,
        pipe: PipeNode,
        lst: ListNode,
        else_list: ListNode | None,
    ) -> None:
        super().__init__(tree, pos)
        self.line = line
        self.pipe = pipe
        self.list = lst
        self.else_list = else_list

    def write_to(self, sb: list[str]) -> None:
        sb.append(_l(self) + self.keyword + " ")
        self.pipe.write_to(sb)
        sb.append(_r(self))
        self.list.write_to(sb)
        if self.else_list is not None:
            sb.append(_l(self) + "else" + _r(self))
            self.else_list.write_to(sb)
        sb.append(_l(self) + "end" + _r(self))


class IfNode(BranchNode):
    type = NodeType.IF
    __slots__ = ()
    keyword = "if"


class RangeNode(BranchNode):
    type = NodeType.RANGE
    __slots__ = ()
    keyword = "range"


class WithNode(BranchNode):
    type = NodeType.WITH
    __slots__ = ()
    keyword = "with"


class BreakNode(Node):
    type = NodeType.BREAK
    __slots__ = ("line",)

    def __init__(self, tree: Tree | None, pos: int, line: int) -> None:
        super().__init__(tree, pos)
        self.line = line

    def write_to(self, sb: list[str]) -> None:
        sb.append(_l(self) + "break" + _r(self))


class ContinueNode(Node):
    type = NodeType.CONTINUE
    __slots__ = ("line",)

    def __init__(self, tree: Tree | None, pos: int, line: int) -> None:
        super().__init__(tree, pos)
        self.line = line

    def write_to(self, sb: list[str]) -> None:
        sb.append(_l(self) + "continue" + _r(self))


class TemplateNode(Node):
    type = NodeType.TEMPLATE
    __slots__ = ("line", "name", "pipe")

    def __init__(
        self, tree: Tree | None, pos: int, line: int, name: str, pipe: PipeNode | None
    ) -> None:
        super().__init__(tree, pos)
        self.line = line
        self.name = name
        self.pipe = pipe

    def write_to(self, sb: list[str]) -> None:
        sb.append(_l(self) + "template " + strconv.quote(self.name))
        if self.pipe is not None:
            sb.append(" ")
            self.pipe.write_to(sb)
        sb.append(_r(self))


def is_empty_tree(n: Node | None) -> bool:
    """parse.IsEmptyTree: only whitespace text and comments."""
    if n is None:
        return True
    if isinstance(n, CommentNode):
        return True
    if isinstance(n, ListNode):
        return all(is_empty_tree(c) for c in n.nodes)
    if isinstance(n, TextNode):
        return n.text.strip(" \t\n\v\f\r\x85\xa0") == ""
    return False
