#!/usr/bin/env bash
# GCC 12 (Debian 12's compiler) destroys a lambda made inside a co_await statement twice: a
# lambda argument of the awaited call, or one converted to a std::function there. Its captures
# (a shared_ptr's count, a string) are then freed early; the Twitch source's alive flag was,
# and the heap broke at exit. Minimal repro (g++ 12.2, -std=c++20, Asio): in a coroutine,
#   co_await f([c = Counted{}] {});    // template <class F> awaitable<void> f(F) { co_return; }
# leaves Counted's live count at -1 (one construction, two destructions). This fails on
# any `co_await` (or `co_return co_await`) statement in lib/, daemon/ or tests/ that contains a
# lambda: make the lambda a named object first and pass it by reference.
# Usage: scripts/check-coawait-lambdas.sh   (exit 1 on a finding)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python3 - <<'PY'
import pathlib, re, sys
lambda_re = re.compile(r'\[[^\]\[]*\]\s*(\([^)]*\))?\s*(mutable\s*)?(->\s*[\w:<>, ]+\s*)?\{')
found = checked = 0
for path in sorted(p for d in ("lib", "daemon", "tests") for p in pathlib.Path(d).rglob("*") if p.suffix in (".cpp", ".hpp")):
    text = path.read_text(encoding="utf-8", errors="replace")
    # Comments blanked (same length, so line numbers hold): a comment may name co_await.
    text = re.sub(r'//[^\n]*', lambda m: ' ' * len(m.group(0)), text)
    for m in re.finditer(r'\bco_await\b', text):
        start = text.rfind(';', 0, m.start()) + 1
        start = max(start, text.rfind('{', 0, m.start()) + 1, text.rfind('}', 0, m.start()) + 1)
        statement = text[start:text.find(';', m.end())]
        checked += 1
        if lambda_re.search(statement):
            found += 1
            line = text.count('\n', 0, m.start()) + 1
            print(f"check-coawait-lambdas: {path}:{line}: a lambda inside a co_await statement (GCC 12 destroys it twice); name it first and pass it by reference", file=sys.stderr)
if found: sys.exit(1)
print(f"check-coawait-lambdas: ok ({checked} co_await statements, none with a lambda)")
PY
