#!/usr/bin/env python3
"""The structure rules of ../shared/STYLE.md and issue 9, checked so they cannot regress.

  structure_check.py SOURCE_DIR [ALLOWLIST]  checks the tree; exit 1 and one line per violation
  structure_check.py --self-test             checks the checker against small trees it writes

Rules (C++ files: *.h, *.cc, *.cpp; tests are the *_test.cc files):
  folder    a folder's own non-test C++ lines (its files, not its sub-folders') are at most
            FOLDER_LINES: a bigger folder is cut into sub-folders along its dependencies.
  class     a class or struct is at most CLASS_LINES: the lines of its body plus those of its
            members defined outside it (`Name::Member(...) {...}` in the same folder).
  function  a function body (from its `{` to its `}`) is at most FUNCTION_LINES.
A class or a function may be longer when the comment right above it (or on the lines of its
signature) gives the reason, in words containing "long because" (any case; "over 80 lines" for a
function is read the same), e.g. `// Long because: one switch over the answer kinds.` Test files are exempt from the class and
function rules (a test's body is its script); folders count no test lines.

ALLOWLIST (tests/structure_allowlist.txt) names violations that are known and owned elsewhere,
one per line as `PATH NAME  # owner: why`, where NAME is the function or class as reported (a
folder's NAME is `/`). A listed violation passes; a listed entry that no longer violates is
reported as stale (a warning: delete the line), so the list only shrinks.

The C++ reading is lexical: comments, string and character literals (raw strings included)
and preprocessor lines are blanked first, then braces are matched, and each `{` at namespace or
class scope is classified by the text before it (namespace, class/struct/union, function body,
or anything else such as an initializer). Code nested in a function body belongs to it.
"""
import os
import re
import sys
import tempfile

FOLDER_LINES = 3000
CLASS_LINES = 500
FUNCTION_LINES = 80
REASON = re.compile(r"long because|over ~?80 lines", re.IGNORECASE)
SKIP_DIRS = re.compile(r"^(build.*|node_modules|\..*)$")
CXX = (".h", ".cc", ".cpp")


def is_test(path):
    return path.endswith("_test.cc")


def blank(text):
    """Returns (code, comments): `text` with comments, literals and preprocessor lines replaced
    by spaces (newlines kept), and per line the comment text found on it."""
    out = []
    comments = {}
    i, n, line = 0, len(text), 1
    at_line_start = True

    def note(s):
        comments.setdefault(line, []).append(s)

    while i < n:
        c = text[i]
        if c == "\n":
            out.append(c)
            line += 1
            i += 1
            at_line_start = True
            continue
        if at_line_start and c == "#":  # a preprocessor line, with its continuations
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out.append(" \n")
                    line += 1
                    i += 2
                    continue
                out.append(" ")
                i += 1
            continue
        if not c.isspace():
            at_line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            note(text[i:j])
            out.append(" " * (j - i))
            i = j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for part in text[i:j].split("\n"):
                note(part)
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            line += text.count("\n", i, j)
            i = j
            continue
        m = re.match(r'(?:u8|u|U|L)?R"([^()\\\s]{0,16})\(', text[i:i + 40])
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = text.find(")" + m.group(1) + '"', i + m.end())
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('"' + "".join(ch if ch == "\n" else " " for ch in text[i + 1:j - 1]) + '"')
            line += text.count("\n", i, j)
            i = j
            continue
        if c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else c)
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out), comments


CONTROL = re.compile(r"^(if|for|while|switch|catch|do|else|try)\b")
CLASS_HEAD = re.compile(
    r"^(?:template\s*<.*>\s*)?(?:class|struct|union)\s+(?:\[\[[^\]]*\]\]\s*)?(?:alignas\s*\(\s*\w+\s*\)\s*)?"
    r"([A-Za-z_]\w*)\s*(?:final\s*)?(?::[^{()]*)?$", re.S)
QUALIFIERS = re.compile(
    r"(?:\s*(?:const|noexcept(?:\s*\([^()]*\))?|override|final|mutable|volatile|&&|&|"
    r"->\s*[\w:<>,\s*&]+))*\s*$")


def strip_parens(s):
    """`s` with the text inside balanced parentheses removed (the parentheses kept)."""
    out, depth = [], 0
    for ch in s:
        if ch == "(":
            if depth == 0:
                out.append(ch)
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
            if depth == 0:
                out.append(ch)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def classify(head):
    """What a `{` opens, from the statement text before it: ('namespace'|'class'|'function'|
    'init'|'other', name)."""
    h = " ".join(head.split())
    if re.match(r"^(?:inline\s+)?namespace\b", h) or re.match(r'^extern\s*"\s*"$', h):
        return "namespace", ""
    if re.match(r"^(?:template\s*<.*>\s*)?enum\b", h):
        return "other", ""
    m = CLASS_HEAD.match(h)
    if m:
        return "class", m.group(1)
    if not h or CONTROL.match(h):
        return "other", ""
    flat = strip_parens(h)
    # A constructor's member initializer with braces: `X() : a_{`, `X() : a_(1), b_{`.
    if re.search(r"\)\s*(?:noexcept\s*)?:\s*(?:[\w:]+\s*(?:\(\)|\{\})\s*,\s*)*[\w:]+$", flat):
        return "init", ""
    body = QUALIFIERS.sub("", flat)
    if body.endswith(")") or body.endswith("]"):
        if re.search(r"=\s*[^=]*$", flat) and not body.endswith("]") and "[" not in flat:
            # `T x = f(...) {` does not occur; `operator=(...)` does.
            if not re.search(r"operator\s*[^\s(]*\s*\(\)$", body):
                return "other", ""
        name = re.search(r"([~\w:]+(?:operator\s*[^\s(]+)?)\s*\(\)\s*$", body)
        return "function", name.group(1) if name else "lambda"
    return "other", ""


class Block:
    def __init__(self, kind, name, head_line, open_line):
        self.kind, self.name = kind, name
        self.head_line, self.open_line, self.close_line = head_line, open_line, open_line


def scan(text):
    """The classes and functions defined at namespace or class scope in `text`, as Blocks,
    plus the comments per line."""
    code, comments = blank(text)
    found = []
    stack = []  # Blocks, or None for braces inside a function or an initializer
    stmt_start = 0  # offset where the current statement's text starts
    line = 1
    init_depth = 0
    for i, ch in enumerate(code):
        if ch == "\n":
            line += 1
            continue
        if ch not in "{};":
            continue
        inside_function = any(b is None or b.kind == "function" for b in stack)
        if ch == ";":
            if not inside_function and init_depth == 0:
                stmt_start = i + 1
            continue
        if ch == "{":
            if inside_function or init_depth:
                stack.append(None)
                if init_depth:
                    init_depth += 1
                continue
            head = code[stmt_start:i]
            kind, name = classify(head)
            if kind == "init":
                stack.append(None)
                init_depth = 1
                continue
            lead = len(head) - len(head.lstrip())
            head_line = line - head.count("\n", lead)
            b = Block(kind, name, head_line, line)
            stack.append(b)
            stmt_start = i + 1
            continue
        # ch == "}"
        if not stack:
            continue
        b = stack.pop()
        if init_depth:
            init_depth -= 1
            continue  # the initializer's braces belong to the constructor's statement
        if b is None:
            continue
        b.close_line = line
        if b.kind in ("class", "function"):
            found.append(b)
        if not any(x is None or x.kind == "function" for x in stack):
            stmt_start = i + 1
    return found, comments


def has_reason(block, comments):
    """Whether the comment block right above `block` (or a comment on its signature lines or
    on the line of its `{`) says why it is long."""
    for ln in range(block.head_line, block.open_line + 1):
        if any(REASON.search(c) for c in comments.get(ln, [])):
            return True
    ln = block.head_line - 1
    while ln in comments:
        if any(REASON.search(c) for c in comments[ln]):
            return True
        ln -= 1
    return False


def walk(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not SKIP_DIRS.match(d))
        yield dirpath, sorted(f for f in filenames if f.endswith(CXX))


def check(root, folder_lines=FOLDER_LINES, class_lines=CLASS_LINES,
          function_lines=FUNCTION_LINES):
    problems = []
    classes = {}  # (dir, name) -> list of [file, Block, extra lines, reason]
    out_of_line = []  # (dir, file, class name, lines)
    for dirpath, files in walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        own = 0
        for f in files:
            path = os.path.join(dirpath, f)
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            rel = os.path.normpath(os.path.join(rel_dir, f))
            if is_test(f):
                continue
            own += text.count("\n")
            blocks, comments = scan(text)
            for b in blocks:
                lines = b.close_line - b.open_line + 1
                reason = has_reason(b, comments)
                if b.kind == "function":
                    if lines > function_lines and not reason:
                        problems.append(((rel, b.name), f"{rel}:{b.head_line}: function {b.name} has "
                                        f"{lines} lines (> {function_lines}) and no 'long because' reason"))
                    parts = b.name.split("::")
                    if len(parts) >= 2:
                        out_of_line.append((rel_dir, rel, parts[-2], lines))
                else:
                    classes.setdefault((rel_dir, b.name), []).append([rel, b, lines, reason])
        if own > folder_lines:
            problems.append(((rel_dir, "/"), f"{rel_dir}/: {own} non-test lines in its own files "
                            f"(> {folder_lines}); cut it into sub-folders along its dependencies"))
    for rel_dir, rel, cls, lines in out_of_line:
        entries = classes.get((rel_dir, cls))
        if not entries:
            continue
        stem = os.path.splitext(rel)[0]
        best = next((e for e in entries if os.path.splitext(e[0])[0] == stem), entries[0])
        best[2] += lines
    for (rel_dir, name), entries in sorted(classes.items()):
        for rel, b, lines, reason in entries:
            if lines > class_lines and not reason:
                problems.append(((rel, name), f"{rel}:{b.head_line}: class {name} has {lines} lines "
                                f"with its out-of-line members (> {class_lines}) and no 'long because' "
                                "reason"))
    return problems


def read_allowlist(path):
    """{(path, name): note} from an allowlist file (see the module comment)."""
    allowed = {}
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line, _, note = raw.partition("#")
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                raise SystemExit(f"{path}: '{raw.strip()}': expected PATH NAME  # owner: why")
            allowed[(os.path.normpath(parts[0]), parts[1])] = note.strip()
    return allowed


def verdict(problems, allowed):
    """(messages of the problems the allowlist does not name, allowlist keys with no problem)."""
    keys = {key for key, _ in problems}
    failing = [m for key, m in problems if key not in allowed]
    stale = sorted(key for key in allowed if key not in keys)
    return failing, stale


def self_test():
    """Builds small trees that break each rule (and the same with reasons) and checks the
    verdicts; returns the failures."""
    failures = []

    def tree(files):
        d = tempfile.mkdtemp(prefix="structure_check_")
        for rel, text in files.items():
            p = os.path.join(d, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as fh:
                fh.write(text)
        return d

    def expect(name, files, want, **limits):
        got = [m for _, m in check(tree(files), **limits)]
        kinds = sorted({re.search(r"(function|class|non-test)", p).group(1) for p in got})
        if kinds != sorted(want):
            failures.append(f"{name}: expected {sorted(want)}, got {got}")

    body = "".join(f"  x += {k};\n" for k in range(90))
    long_fn = "namespace a {\nint F(int x) {\n" + body + "  return x;\n}\n}  // namespace a\n"
    expect("long function", {"a/a.cc": long_fn}, ["function"])
    expect("long function with a reason",
           {"a/a.cc": long_fn.replace("int F", "// Long because: one table.\nint F")}, [])
    expect("long function in a test file", {"a/a_test.cc": long_fn}, [])
    expect("short function", {"a/a.cc": "int F() {\n  return 1;\n}\n"}, [])
    expect("long lambda inside a short function is the function's",
           {"a/a.cc": "int F() {\n  auto f = [] {\n" + body + "  };\n  return 1;\n}\n"},
           ["function"])
    expect("long initializer is no function",
           {"a/a.cc": "const int kX[] = {\n" + "1,\n" * 200 + "};\n"}, [])
    ctor = ("struct S {\n  S() : a_{1}, b_(2) {\n" + body + "  }\n  int a_, b_;\n};\n")
    expect("constructor with brace initializers", {"a/a.cc": ctor}, ["function"])
    members = "".join(f"  int M{k}() {{ return {k}; }}\n" for k in range(510))
    expect("long class", {"a/c.h": f"class C {{\n public:\n{members}}};\n"}, ["class"])
    expect("long class with a reason",
           {"a/c.h": f"// Long because: a table.\nclass C {{\n{members}}};\n"}, [])
    split = {"a/c.h": "class C {\n public:\n  int F();\n};\n",
             "a/c.cc": "".join(f"int C::F{k}() {{\n" + "  return 1;\n" * 60 + "}\n"
                               for k in range(10))}
    expect("class with long out-of-line members", split, ["class"])
    expect("class with out-of-line members under the limit", split, [], class_lines=700)
    big = {f"a/f{k}.cc": "int x;\n" * 1100 for k in range(3)}
    expect("big folder", big, ["non-test"])
    expect("big folder cut into sub-folders",
           {f"a/s{k}/f.cc": "int x;\n" * 1100 for k in range(3)}, [])
    expect("test lines do not count", dict(big, **{"a/f0.cc": "int x;\n", "a/f0_test.cc":
                                                   "int x;\n" * 5000}), [])
    expect("strings and comments do not confuse the braces",
           {"a/a.cc": 'const char* k = "{";\n// {\n/* } */\nint F() {\n  return \'{\';\n}\n'
                      'const char* r = R"x(})x";\n'}, [])
    d = tree({"a/a.cc": long_fn, "b/b.cc": "int G() {\n  return 1;\n}\n"})
    with open(os.path.join(d, "allow.txt"), "w") as fh:
        fh.write("# comment\na/a.cc F  # owner: why\nb/b.cc G  # fixed since\n")
    failing, stale = verdict(check(d), read_allowlist(os.path.join(d, "allow.txt")))
    if failing or stale != [("b/b.cc", "G")]:
        failures.append(f"allowlist: expected nothing failing and b/b.cc G stale, got {failing} "
                        f"{stale}")
    return failures


def main(argv):
    if argv[1:] == ["--self-test"]:
        failures = self_test()
        for f in failures:
            print("self-test:", f)
        print("structure_check self-test:", "FAILED" if failures else "ok")
        return 1 if failures else 0
    if len(argv) not in (2, 3):
        print(__doc__)
        return 2
    allowed = read_allowlist(argv[2]) if len(argv) == 3 else {}
    problems = check(argv[1])
    failing, stale = verdict(problems, allowed)
    for m in failing:
        print(m)
    for key in stale:
        print(f"warning: allowlist entry '{key[0]} {key[1]}' no longer violates; delete it")
    print(f"structure_check: {len(failing)} problem(s), {len(problems) - len(failing)} allowed "
          f"by the allowlist")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
