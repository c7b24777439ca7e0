"""A small Go text/template evaluator with the Helm/Sprig functions charts/ucr uses.

Debian 12 has no helm, so test/charts_test.py renders the chart with this. It follows Go's
semantics for what it supports (trim markers, if/else/range/with/define, variables, pipes,
sorted map iteration, Helm's nil printing as "") and raises RenderError on anything else,
so a template using an unsupported construct fails the test instead of rendering wrongly.
"""
import hashlib
import json
import re

import yaml


class RenderError(Exception):
    pass


ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(:=|[()|,=])|([^\s()|,=]+))')


# ---------------------------------------------------------------------------- parsing

def lex(text):
    """Splits into ("text", s) and ("action", src) items, applying the trim markers."""
    items, pos = [], 0
    for m in ACTION.finditer(text):
        items.append(["text", text[pos:m.start()]])
        if m.group(1) and items[-1][0] == "text":
            items[-1][1] = items[-1][1].rstrip(" \t\r\n")
        items.append(["action", m.group(2).strip(), bool(m.group(3))])
        pos = m.end()
    items.append(["text", text[pos:]])
    for i, item in enumerate(items):  # right trim markers eat the following text's whitespace
        if item[0] == "action" and item[2] and i + 1 < len(items):
            items[i + 1][1] = items[i + 1][1].lstrip(" \t\r\n")
    return [(kind, body) for kind, body, *_ in items]


def tokenize(src):
    tokens, pos = [], 0
    src = src.rstrip()
    while pos < len(src):
        m = TOKEN.match(src, pos)
        if not m or m.end() == pos:
            raise RenderError("cannot tokenize action: " + src)
        dq, bq, punct, word = m.groups()
        if dq is not None:
            tokens.append(("lit", json.loads(dq)))
        elif bq is not None:
            tokens.append(("lit", bq[1:-1]))
        elif punct is not None:
            tokens.append(("punct", punct))
        else:
            tokens.append(("word", word))
        pos = m.end()
    return tokens


def parse_operand(tokens, i):
    kind, val = tokens[i]
    if kind == "lit":
        return ("lit", val), i + 1
    if kind == "punct" and val == "(":
        depth, j = 1, i + 1
        while depth:
            if j >= len(tokens):
                raise RenderError("unbalanced parenthesis")
            if tokens[j] == ("punct", "("):
                depth += 1
            elif tokens[j] == ("punct", ")"):
                depth -= 1
            j += 1
        return ("pipe", parse_pipeline(tokens[i + 1:j - 1])), j
    if kind == "word":
        if val in ("true", "false"):
            return ("lit", val == "true"), i + 1
        if val == "nil":
            return ("lit", None), i + 1
        if re.fullmatch(r"-?\d+", val):
            return ("lit", int(val)), i + 1
        if val.startswith("."):
            return ("field", [f for f in val.split(".") if f]), i + 1
        if val.startswith("$"):
            name, *fields = val.split(".")
            return ("var", name, fields), i + 1
        if re.fullmatch(r"[A-Za-z_]\w*", val):
            return ("func", val), i + 1
    raise RenderError("unexpected token %r" % (val,))


def parse_pipeline(tokens):
    decl = None
    for op in (":=", "="):
        if ("punct", op) in tokens:
            k = tokens.index(("punct", op))
            names = [v for kind, v in tokens[:k] if kind == "word"]
            if not all(n.startswith("$") for n in names) or not names:
                raise RenderError("bad variable declaration")
            decl, tokens = (op, names), tokens[k + 1:]
            break
    cmds, cur, i = [], [], 0
    while i < len(tokens):
        if tokens[i] == ("punct", "|"):
            cmds.append(cur)
            cur, i = [], i + 1
            continue
        operand, i = parse_operand(tokens, i)
        cur.append(operand)
    cmds.append(cur)
    if any(not c for c in cmds):
        raise RenderError("empty command in pipeline")
    return (decl, cmds)


def parse(items, templates, pos=0, stop=()):
    """Returns (nodes, pos, stop_word, stop_src)."""
    nodes = []
    while pos < len(items):
        kind, body = items[pos]
        pos += 1
        if kind == "text":
            if body:
                nodes.append(("text", body))
            continue
        if body.startswith("/*"):
            if not body.endswith("*/"):
                raise RenderError("unterminated comment")
            continue
        word = body.split(None, 1)[0]
        rest = body[len(word):].strip()
        if word in ("end", "else"):
            if word not in stop:
                raise RenderError("unexpected {{%s}}" % word)
            return nodes, pos, word, rest
        if word in ("if", "with", "range"):
            body_nodes, pos, how, how_rest = parse(items, templates, pos, ("end", "else"))
            else_nodes = []
            if how == "else":
                if how_rest:
                    raise RenderError("{{else %s}} is not supported" % how_rest)
                else_nodes, pos, _, _ = parse(items, templates, pos, ("end",))
            nodes.append((word, parse_pipeline(tokenize(rest)), body_nodes, else_nodes))
            continue
        if word == "define":
            name = json.loads(rest)
            body_nodes, pos, _, _ = parse(items, templates, pos, ("end",))
            templates[name] = body_nodes
            continue
        if word in ("template", "block", "break", "continue"):
            raise RenderError("{{%s}} is not supported" % word)
        nodes.append(("action", parse_pipeline(tokenize(body))))
    if stop:
        raise RenderError("missing {{end}}")
    return nodes, pos, None, None


# ---------------------------------------------------------------------------- evaluation

def truthy(v):
    return not (v is None or v is False or v == 0 and not isinstance(v, bool) or v in ("", [], {}))


def go_string(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        raise RenderError("printing a %s is not supported" % type(v).__name__)
    return str(v)


def go_quote(s):
    out = json.dumps(s, ensure_ascii=False)
    return out.replace("\\u007f", "\\x7f")


def go_json(v):
    out = json.dumps(v, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def kind_of(v):
    if v is None:
        return "invalid"
    for t, name in ((bool, "bool"), (int, "int"), (float, "float64"), (str, "string"),
                    (dict, "map"), (list, "slice")):
        if isinstance(v, t):
            return name
    return type(v).__name__


def printf(fmt, *args):
    args, out = list(args), []
    for text, verb in re.findall(r"([^%]*)(%[sdvq%]|$)", fmt):
        out.append(text)
        if verb == "%%":
            out.append("%")
        elif verb:
            if not args:
                raise RenderError("printf: missing argument for " + verb)
            a = args.pop(0)
            out.append(go_quote(go_string(a)) if verb == "%q" else go_string(a))
    return "".join(out)


class Renderer:
    def __init__(self):
        self.templates = {}

    def add(self, name, text):
        nodes, _, _, _ = parse(lex(text), self.templates)
        self.templates[name] = nodes

    def render(self, name, dot):
        if name not in self.templates:
            raise RenderError("no template %r" % name)
        return self._run(self.templates[name], dot, [{"$": dot}])

    def _run(self, nodes, dot, scopes):
        out = []
        scopes = scopes + [{}]
        for node in nodes:
            kind = node[0]
            if kind == "text":
                out.append(node[1])
            elif kind == "action":
                value = self._pipe(node[1], dot, scopes)
                if node[1][0] is None:
                    out.append(go_string(value))
            elif kind in ("if", "with"):
                value = self._pipe(node[1], dot, scopes)
                if truthy(value):
                    out.append(self._run(node[2], value if kind == "with" else dot, scopes))
                else:
                    out.append(self._run(node[3], dot, scopes))
            elif kind == "range":
                out.append(self._range(node, dot, scopes))
        return "".join(out)

    def _range(self, node, dot, scopes):
        decl, cmds = node[1]
        value = self._pipe((None, cmds), dot, scopes)
        if isinstance(value, dict):
            pairs = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, list):
            pairs = list(enumerate(value))
        elif value is None:
            pairs = []
        else:
            raise RenderError("range over %s" % kind_of(value))
        if not pairs:
            return self._run(node[3], dot, scopes)
        out = []
        for key, elem in pairs:
            scope = {}
            if decl:
                names = decl[1]
                if len(names) == 1:
                    scope[names[0]] = elem
                else:
                    scope[names[0]], scope[names[1]] = key, elem
            out.append(self._run(node[2], elem, scopes + [scope]))
        return "".join(out)

    def _pipe(self, pipeline, dot, scopes):
        decl, cmds = pipeline
        value, first = None, True
        for cmd in cmds:
            value = self._command(cmd, dot, scopes, None if first else [value])
            first = False
        if decl:
            op, names = decl
            if len(names) != 1:
                raise RenderError("multi-variable assignment outside range")
            if op == ":=":
                scopes[-1][names[0]] = value
            else:
                for scope in reversed(scopes):
                    if names[0] in scope:
                        scope[names[0]] = value
                        break
                else:
                    raise RenderError("undefined variable " + names[0])
        return value

    def _command(self, cmd, dot, scopes, piped):
        head = cmd[0]
        if head[0] == "func":
            args = [self._operand(a, dot, scopes) for a in cmd[1:]] + (piped or [])
            return self._call(head[1], args, dot)
        if len(cmd) > 1 or piped:
            raise RenderError("cannot call a non-function with arguments")
        return self._operand(head, dot, scopes)

    def _operand(self, op, dot, scopes):
        kind = op[0]
        if kind == "lit":
            return op[1]
        if kind == "pipe":
            return self._pipe(op[1], dot, scopes)
        if kind == "field":
            return self._fields(dot, op[1], "." + ".".join(op[1]))
        if kind == "var":
            for scope in reversed(scopes):
                if op[1] in scope:
                    return self._fields(scope[op[1]], op[2], op[1])
            raise RenderError("undefined variable " + op[1])
        if kind == "func":
            return self._call(op[1], [], dot)
        raise RenderError("bad operand")

    @staticmethod
    def _fields(value, fields, what):
        for f in fields:
            if value is None:
                raise RenderError("nil pointer evaluating %s" % what)
            if not isinstance(value, dict):
                raise RenderError("can't evaluate field %s in %s" % (f, kind_of(value)))
            value = value.get(f)
        return value

    def _call(self, name, a, dot):
        def need(n):
            if len(a) != n:
                raise RenderError("%s: want %d arguments, got %d" % (name, n, len(a)))

        if name == "include":
            need(2)
            return self.render(a[0], a[1])
        if name == "required":
            need(2)
            if a[1] is None or a[1] == "":
                raise RenderError(a[0])
            return a[1]
        if name == "fail":
            need(1)
            raise RenderError(a[0])
        simple = {
            "default": (2, lambda d, v: v if truthy(v) else d),
            "trunc": (2, lambda n, s: s[:n] if n >= 0 else s[n:]),
            "trimSuffix": (2, lambda suf, s: s[: -len(suf)] if suf and s.endswith(suf) else s),
            "hasPrefix": (2, lambda p, s: s.startswith(p)),
            "contains": (2, lambda sub, s: sub in s),
            "has": (2, lambda needle, lst: needle in (lst or [])),
            "ne": (2, lambda x, y: x != y),
            "not": (1, lambda v: not truthy(v)),
            "trim": (1, lambda s: go_string(s).strip()),
            "toJson": (1, go_json),
            "toYaml": (1, lambda v: yaml.safe_dump(v, default_flow_style=False, sort_keys=True)
                       .rstrip("\n")),
            "kindIs": (2, lambda k, v: kind_of(v) == k),
            "nindent": (2, lambda n, s: "\n" + " " * n + s.replace("\n", "\n" + " " * n)),
            "indent": (2, lambda n, s: " " * n + s.replace("\n", "\n" + " " * n)),
            "sha256sum": (1, lambda s: hashlib.sha256(s.encode()).hexdigest()),
        }
        if name in simple:
            arity, fn = simple[name]
            need(arity)
            return fn(*a)
        if name == "eq":
            return any(a[0] == b for b in a[1:])
        if name == "and":
            for v in a:
                if not truthy(v):
                    return v
            return a[-1]
        if name == "or":
            for v in a:
                if truthy(v):
                    return v
            return a[-1]
        if name == "quote":
            return " ".join(go_quote(go_string(v)) for v in a if v is not None)
        if name == "print":
            return "".join(go_string(v) for v in a)
        if name == "printf":
            return printf(*a)
        raise RenderError("function %s is not supported" % name)
