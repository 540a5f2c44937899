"""Stata text -> syntax trees: expressions (``parse``) and the ``leoload``
command line (``parse_command``).

Stages: ``tokens.tokenize`` (text -> tokens with offsets), ``parser.parse``
(tokens -> ``nodes`` AST), ``command.parse_command`` (command text -> Command
with the if-expression parsed).  ``unparse`` turns an AST back into Stata text,
for messages.  This package imports nothing from leostata except ``errors``.
"""

from .command import (
    ClistItem,
    Command,
    Option,
    VarToken,
    parse_clist,
    parse_command,
    parse_options,
    split_positional_and_options,
)
from .nodes import (
    Binary,
    Call,
    DateLiteral,
    Missing,
    Name,
    Node,
    Number,
    String,
    Unary,
    children,
    walk,
)
from .parser import parse, unparse
from .tokens import Token, tokenize

__all__ = [
    "parse", "unparse", "tokenize", "Token",
    "parse_command", "parse_options", "split_positional_and_options", "parse_clist",
    "Command", "Option", "VarToken", "ClistItem",
    "Node", "Number", "Missing", "String", "DateLiteral", "Name", "Unary", "Binary", "Call",
    "children", "walk",
]
