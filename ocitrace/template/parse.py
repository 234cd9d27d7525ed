"""Go text/template's parser: pulls items from the lexer, builds trees (one per define)."""

from __future__ import annotations

from collections.abc import Collection

from . import strconv
from .errors import ParseError
from .lex import Item, ItemType, Lexer
from .node import (
    ActionNode,
    BoolNode,
    BreakNode,
    ChainNode,
    CommandNode,
    CommentNode,
    ContinueNode,
    DotNode,
    ElseNode,
    EndNode,
    FieldNode,
    IdentifierNode,
    IfNode,
    ListNode,
    NilNode,
    Node,
    NodeType,
    NumberNode,
    PipeNode,
    RangeNode,
    StringNode,
    TemplateNode,
    TextNode,
    VariableNode,
    WithNode,
    is_empty_tree,
)


class _Abort(Exception):
    pass


# Go's parse.go maxStackDepth is 10000 and counts parenthesized pipelines only; a Python
# parser and tree walker recurse several frames per level, so ocitrace caps at 100 and
# counts nested if/with/range/block bodies (and else-if chains) too.  Same error text.
MAX_STACK_DEPTH = 100


class Tree:
    """One parsed template: ``name``, ``root`` and the source ``text`` it came from."""

    def __init__(self, name: str, funcs: Collection[str] = ()) -> None:
        self.name = name
        self.parse_name = name
        self.root: ListNode | None = None
        self.text = ""
        self.funcs = funcs
        self.lex: Lexer | None = None
        self.token: list[Item] = [Item(ItemType.EOF, 0, "", 0)] * 3
        self.peek_count = 0
        self.vars: list[str] = ["$"]
        self.tree_set: dict[str, Tree] = {}
        self.action_line = 0
        self.range_depth = 0
        self.stack_depth = 0  # parenthesized pipelines + nested control structures
        self.left_delim = "{{"
        self.right_delim = "}}"

    def __str__(self) -> str:
        return str(self.root) if self.root is not None else ""

    # -- token stream ------------------------------------------------------------------
    def next(self) -> Item:
        if self.peek_count > 0:
            self.peek_count -= 1
        else:
            assert self.lex is not None
            self.token[0] = self.lex.next_item()
        return self.token[self.peek_count]

    def backup(self) -> None:
        self.peek_count += 1

    def backup2(self, t1: Item) -> None:
        self.token[1] = t1
        self.peek_count = 2

    def backup3(self, t2: Item, t1: Item) -> None:
        self.token[1] = t1
        self.token[2] = t2
        self.peek_count = 3

    def peek(self) -> Item:
        if self.peek_count > 0:
            return self.token[self.peek_count - 1]
        self.peek_count = 1
        assert self.lex is not None
        self.token[0] = self.lex.next_item()
        return self.token[0]

    def next_non_space(self) -> Item:
        while True:
            t = self.next()
            if t.typ != ItemType.SPACE:
                return t

    def peek_non_space(self) -> Item:
        t = self.next_non_space()
        self.backup()
        return t

    # -- errors ------------------------------------------------------------------------
    def errorf(self, msg: str) -> None:
        self.root = None
        raise ParseError(f"template: {self.parse_name}:{self.token[0].line}: {msg}")

    def expect(self, expected: ItemType, context: str) -> Item:
        t = self.next_non_space()
        if t.typ != expected:
            self.unexpected(t, context)
        return t

    def expect_one_of(self, e1: ItemType, e2: ItemType, context: str) -> Item:
        t = self.next_non_space()
        if t.typ not in (e1, e2):
            self.unexpected(t, context)
        return t

    def unexpected(self, t: Item, context: str) -> None:
        if t.typ == ItemType.ERROR:
            extra = ""
            if self.action_line != 0 and self.action_line != t.line:
                extra = f" in action started at {self.parse_name}:{self.action_line}"
                if t.val.endswith(" action"):
                    extra = extra[len(" in action") :]
            self.errorf(f"{t}{extra}")
        self.errorf(f"unexpected {t} in {context}")

    # -- entry -------------------------------------------------------------------------
    def start_parse(self, funcs: Collection[str], lex: Lexer, tree_set: dict[str, Tree]) -> None:
        self.root = None
        self.lex = lex
        self.vars = ["$"]
        self.funcs = funcs
        self.tree_set = tree_set

    def stop_parse(self) -> None:
        self.lex = None
        self.vars = []
        self.funcs = ()
        self.tree_set = {}

    def add(self) -> None:
        tree = self.tree_set.get(self.name)
        if tree is None or is_empty_tree(tree.root):
            self.tree_set[self.name] = self
            return
        if not is_empty_tree(self.root):
            self.errorf(f"template: multiple definition of template {strconv.quote(self.name)}")

    def has_function(self, name: str) -> bool:
        return name in self.funcs

    def parse(self) -> None:
        self.root = ListNode(self, self.peek().pos)
        while self.peek().typ != ItemType.EOF:
            if self.peek().typ == ItemType.LEFT_DELIM:
                delim = self.next()
                if self.next_non_space().typ == ItemType.DEFINE:
                    nt = Tree("definition")
                    nt.text = self.text
                    nt.parse_name = self.parse_name
                    nt.left_delim, nt.right_delim = self.left_delim, self.right_delim
                    assert self.lex is not None
                    nt.start_parse(self.funcs, self.lex, self.tree_set)
                    nt.parse_definition()
                    continue
                self.backup2(delim)
            n = self.text_or_action()
            if n.type in (NodeType.END, NodeType.ELSE):
                self.errorf(f"unexpected {n}")
            else:
                self.root.append(n)

    def parse_definition(self) -> None:
        context = "define clause"
        name = self.expect_one_of(ItemType.STRING, ItemType.RAW_STRING, context)
        try:
            self.name = strconv.unquote(name.val)
        except strconv.SyntaxErr as e:
            self.errorf(str(e))
        self.expect(ItemType.RIGHT_DELIM, context)
        self.root, end = self.item_list()
        if end.type != NodeType.END:
            self.errorf(f"unexpected {end} in {context}")
        self.add()
        self.stop_parse()

    def item_list(self) -> tuple[ListNode, Node]:
        lst = ListNode(self, self.peek_non_space().pos)
        while self.peek_non_space().typ != ItemType.EOF:
            n = self.text_or_action()
            if n.type in (NodeType.END, NodeType.ELSE):
                return lst, n
            lst.append(n)
        self.errorf("unexpected EOF")
        raise AssertionError("unreachable")

    def text_or_action(self) -> Node:
        t = self.next_non_space()
        if t.typ == ItemType.TEXT:
            return TextNode(self, t.pos, t.val)
        if t.typ == ItemType.LEFT_DELIM:
            self.action_line = t.line
            try:
                return self.action()
            finally:
                self.action_line = 0
        if t.typ == ItemType.COMMENT:
            return CommentNode(self, t.pos, t.val)
        self.unexpected(t, "input")
        raise AssertionError("unreachable")

    def action(self) -> Node:
        t = self.next_non_space()
        typ = t.typ
        if typ == ItemType.BLOCK:
            return self.block_control()
        if typ == ItemType.BREAK:
            return self.break_control(t.pos, t.line)
        if typ == ItemType.CONTINUE:
            return self.continue_control(t.pos, t.line)
        if typ == ItemType.ELSE:
            return self.else_control()
        if typ == ItemType.END:
            return self.end_control()
        if typ == ItemType.IF:
            return IfNode(self, *self.parse_control("if"))
        if typ == ItemType.RANGE:
            return RangeNode(self, *self.parse_control("range"))
        if typ == ItemType.TEMPLATE:
            return self.template_control()
        if typ == ItemType.WITH:
            return WithNode(self, *self.parse_control("with"))
        self.backup()
        t = self.peek()
        return ActionNode(self, t.pos, t.line, self.pipeline("command", ItemType.RIGHT_DELIM))

    def break_control(self, pos: int, line: int) -> Node:
        t = self.next_non_space()
        if t.typ != ItemType.RIGHT_DELIM:
            self.unexpected(t, "{{break}}")
        if self.range_depth == 0:
            self.errorf("{{break}} outside {{range}}")
        return BreakNode(self, pos, line)

    def continue_control(self, pos: int, line: int) -> Node:
        t = self.next_non_space()
        if t.typ != ItemType.RIGHT_DELIM:
            self.unexpected(t, "{{continue}}")
        if self.range_depth == 0:
            self.errorf("{{continue}} outside {{range}}")
        return ContinueNode(self, pos, line)

    def pipeline(self, context: str, end: ItemType) -> PipeNode:
        t = self.peek_non_space()
        pipe = PipeNode(self, t.pos, t.line, [])
        while True:  # decls
            v = self.peek_non_space()
            if v.typ != ItemType.VARIABLE:
                break
            self.next()
            token_after = self.peek()
            nxt = self.peek_non_space()
            if nxt.typ in (ItemType.ASSIGN, ItemType.DECLARE):
                pipe.is_assign = nxt.typ == ItemType.ASSIGN
                self.next_non_space()
                pipe.decl.append(VariableNode(self, v.pos, v.val))
                self.vars.append(v.val)
            elif nxt.typ == ItemType.CHAR and nxt.val == ",":
                self.next_non_space()
                pipe.decl.append(VariableNode(self, v.pos, v.val))
                self.vars.append(v.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (
                        ItemType.VARIABLE,
                        ItemType.RIGHT_DELIM,
                        ItemType.RIGHT_PAREN,
                    ):
                        continue
                    self.errorf("range can only initialize variables")
                self.errorf(f"too many declarations in {context}")
            elif token_after.typ == ItemType.SPACE:
                self.backup3(v, token_after)
            else:
                self.backup2(v)
            break
        while True:
            t = self.next_non_space()
            if t.typ == end:
                self.check_pipeline(pipe, context)
                return pipe
            if t.typ in (
                ItemType.BOOL,
                ItemType.CHAR_CONSTANT,
                ItemType.COMPLEX,
                ItemType.DOT,
                ItemType.FIELD,
                ItemType.IDENTIFIER,
                ItemType.NUMBER,
                ItemType.NIL,
                ItemType.RAW_STRING,
                ItemType.STRING,
                ItemType.VARIABLE,
                ItemType.LEFT_PAREN,
            ):
                self.backup()
                pipe.append(self.command())
            else:
                self.unexpected(t, context)

    def check_pipeline(self, pipe: PipeNode, context: str) -> None:
        if not pipe.cmds:
            self.errorf(f"missing value for {context}")
        for i, c in enumerate(pipe.cmds[1:]):
            if c.args[0].type in (
                NodeType.BOOL,
                NodeType.DOT,
                NodeType.NIL,
                NodeType.NUMBER,
                NodeType.STRING,
            ):
                self.errorf(f"non executable command in pipeline stage {i + 2}")

    def _deeper(self) -> None:
        """Go's maxStackDepth check, also applied to nested if/with/range/block bodies."""
        if self.stack_depth >= MAX_STACK_DEPTH:
            self.errorf("max expression depth exceeded")
        self.stack_depth += 1

    def parse_control(self, context: str) -> tuple[int, int, PipeNode, ListNode, ListNode | None]:
        nvars = len(self.vars)
        self._deeper()
        try:
            pipe = self.pipeline(context, ItemType.RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            lst, nxt = self.item_list()
            if context == "range":
                self.range_depth -= 1
            else_list: ListNode | None = None
            if nxt.type == NodeType.ELSE:
                if context == "if" and self.peek().typ == ItemType.IF:
                    self.next()
                    else_list = ListNode(self, nxt.pos)
                    else_list.append(IfNode(self, *self.parse_control("if")))
                elif context == "with" and self.peek().typ == ItemType.WITH:
                    self.next()
                    else_list = ListNode(self, nxt.pos)
                    else_list.append(WithNode(self, *self.parse_control("with")))
                else:
                    else_list, nxt = self.item_list()
                    if nxt.type != NodeType.END:
                        self.errorf(f"expected end; found {nxt}")
            return pipe.pos, pipe.line, pipe, lst, else_list
        finally:
            del self.vars[nvars:]
            self.stack_depth -= 1

    def end_control(self) -> Node:
        return EndNode(self, self.expect(ItemType.RIGHT_DELIM, "end").pos)

    def else_control(self) -> Node:
        p = self.peek_non_space()
        if p.typ in (ItemType.IF, ItemType.WITH):
            return ElseNode(self, p.pos, p.line)
        t = self.expect(ItemType.RIGHT_DELIM, "else")
        return ElseNode(self, t.pos, t.line)

    def block_control(self) -> Node:
        context = "block clause"
        t = self.next_non_space()
        name = self.parse_template_name(t, context)
        pipe = self.pipeline(context, ItemType.RIGHT_DELIM)
        block = Tree(name)
        block.text = self.text
        block.parse_name = self.parse_name
        block.left_delim, block.right_delim = self.left_delim, self.right_delim
        assert self.lex is not None
        block.start_parse(self.funcs, self.lex, self.tree_set)
        block.root, end = block.item_list()
        if end.type != NodeType.END:
            self.errorf(f"unexpected {end} in {context}")
        block.add()
        block.stop_parse()
        return TemplateNode(self, t.pos, t.line, name, pipe)

    def template_control(self) -> Node:
        context = "template clause"
        t = self.next_non_space()
        name = self.parse_template_name(t, context)
        pipe: PipeNode | None = None
        if self.next_non_space().typ != ItemType.RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, ItemType.RIGHT_DELIM)
        return TemplateNode(self, t.pos, t.line, name, pipe)

    def parse_template_name(self, t: Item, context: str) -> str:
        if t.typ in (ItemType.STRING, ItemType.RAW_STRING):
            try:
                return strconv.unquote(t.val)
            except strconv.SyntaxErr as e:
                self.errorf(str(e))
        self.unexpected(t, context)
        raise AssertionError("unreachable")

    def command(self) -> CommandNode:
        cmd = CommandNode(self, self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.append(operand)
            t = self.next()
            if t.typ == ItemType.SPACE:
                continue
            if t.typ in (ItemType.RIGHT_DELIM, ItemType.RIGHT_PAREN):
                self.backup()
            elif t.typ == ItemType.PIPE:
                pass
            else:
                self.unexpected(t, "operand")
            break
        if not cmd.args:
            self.errorf("empty command")
        return cmd

    def operand(self) -> Node | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().typ == ItemType.FIELD:
            chain = ChainNode(self, self.peek().pos, node)
            while self.peek().typ == ItemType.FIELD:
                chain.add(self.next().val)
            if node.type == NodeType.FIELD:
                return FieldNode(self, chain.pos, str(chain))
            if node.type == NodeType.VARIABLE:
                return VariableNode(self, chain.pos, str(chain))
            if node.type in (
                NodeType.BOOL,
                NodeType.STRING,
                NodeType.NUMBER,
                NodeType.NIL,
                NodeType.DOT,
            ):
                self.errorf(f"unexpected . after term {strconv.quote(str(node))}")
            return chain
        return node

    def term(self) -> Node | None:
        t = self.next_non_space()
        typ = t.typ
        if typ == ItemType.IDENTIFIER:
            if not self.has_function(t.val):
                self.errorf(f"function {strconv.quote(t.val)} not defined")
            return IdentifierNode(self, t.pos, t.val)
        if typ == ItemType.DOT:
            return DotNode(self, t.pos)
        if typ == ItemType.NIL:
            return NilNode(self, t.pos)
        if typ == ItemType.VARIABLE:
            return self.use_var(t.pos, t.val)
        if typ == ItemType.FIELD:
            return FieldNode(self, t.pos, t.val)
        if typ == ItemType.BOOL:
            return BoolNode(self, t.pos, t.val == "true")
        if typ in (ItemType.CHAR_CONSTANT, ItemType.COMPLEX, ItemType.NUMBER):
            return self.new_number(t.pos, t.val, typ)
        if typ == ItemType.LEFT_PAREN:
            self._deeper()
            try:
                return self.pipeline("parenthesized pipeline", ItemType.RIGHT_PAREN)
            finally:
                self.stack_depth -= 1
        if typ in (ItemType.STRING, ItemType.RAW_STRING):
            try:
                s = strconv.unquote(t.val)
            except strconv.SyntaxErr as e:
                self.errorf(str(e))
            return StringNode(self, t.pos, t.val, s)
        self.backup()
        return None

    def use_var(self, pos: int, name: str) -> Node:
        v = VariableNode(self, pos, name)
        if v.ident[0] in self.vars:
            return v
        self.errorf(f"undefined variable {strconv.quote(v.ident[0])}")
        raise AssertionError("unreachable")

    def new_number(self, pos: int, text: str, typ: ItemType) -> NumberNode:
        n = NumberNode(self, pos, text)
        if typ == ItemType.CHAR_CONSTANT:
            try:
                r, _, tail = strconv.unquote_char(text[1:], text[0])
            except strconv.SyntaxErr as e:
                self.errorf(str(e))
                raise
            if tail != "'":
                self.errorf(f"malformed character constant: {text}")
            n.int64 = n.uint64 = r
            n.float64 = float(r)
            n.is_int = n.is_uint = n.is_float = True
            return n
        if typ == ItemType.COMPLEX:
            try:
                c = complex(text.replace("i", "j").replace("_", ""))
            except ValueError:
                self.errorf("expected integer")
                raise
            n.is_complex = True
            n.complex128 = c
            _simplify_complex(n)
            return n
        if text.endswith("i"):
            try:
                f = strconv.parse_float(text[:-1])
            except ValueError:
                pass
            else:
                n.is_complex = True
                n.complex128 = complex(0, f)
                _simplify_complex(n)
                return n
        u = 0
        try:
            u = strconv.parse_uint(text)
            n.is_uint = True
            n.uint64 = u
        except ValueError:
            pass
        try:
            i = strconv.parse_int(text)
            n.is_int = True
            n.int64 = i
            if i == 0:
                n.is_uint = True
                n.uint64 = u
        except ValueError:
            pass
        if n.is_int:
            n.is_float = True
            n.float64 = float(n.int64)
        elif n.is_uint:
            n.is_float = True
            n.float64 = float(n.uint64)
        else:
            try:
                f = strconv.parse_float(text)
            except ValueError:
                pass
            else:
                if not any(c in text for c in ".eEpP"):
                    self.errorf(f"integer overflow: {strconv.quote(text)}")
                n.is_float = True
                n.float64 = f
                if f == int(f):
                    iv = int(f)
                    if -(1 << 63) <= iv < (1 << 63):
                        n.is_int = True
                        n.int64 = iv
                    if 0 <= iv < (1 << 64):
                        n.is_uint = True
                        n.uint64 = iv
        if not (n.is_int or n.is_uint or n.is_float):
            self.errorf(f"illegal number syntax: {strconv.quote(text)}")
        return n


def _simplify_complex(n: NumberNode) -> None:
    n.is_float = n.complex128.imag == 0
    if n.is_float:
        n.float64 = n.complex128.real
        f = n.float64
        iv = int(f)
        n.is_int = iv == f and -(1 << 63) <= iv < (1 << 63)
        if n.is_int:
            n.int64 = iv
        n.is_uint = iv == f and 0 <= iv < (1 << 64)
        if n.is_uint:
            n.uint64 = iv


def parse(
    name: str,
    text: str,
    left: str,
    right: str,
    funcs: Collection[str],
) -> dict[str, Tree]:
    """parse.Parse: every tree defined by ``text``, keyed by name; raises ParseError."""
    tree_set: dict[str, Tree] = {}
    t = Tree(name)
    t.text = text
    t.parse_name = name
    lex = Lexer(
        name,
        text,
        left,
        right,
        break_ok="break" not in funcs,
        continue_ok="continue" not in funcs,
    )
    t.left_delim, t.right_delim = lex.left_delim, lex.right_delim
    t.start_parse(funcs, lex, tree_set)
    try:
        t.parse()
        t.add()
    except RecursionError:  # a shape the depth count does not cover: still a parse error
        raise ParseError(f"template: {name}: max expression depth exceeded") from None
    finally:
        t.stop_parse()
    return tree_set
