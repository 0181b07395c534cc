"""A step's output and name are untrusted: no terminal escape, no secret reaches the console,
the ledger or a report (issue 22)."""

from __future__ import annotations

import re
from pathlib import Path

from autofix import untrusted
from tests.conftest import run_autofix, write_config

# an OSC hyperlink, an OSC retitling the window, a screen clear, a cursor move up, a bell,
# a carriage return hiding what came before, a right-to-left override
HOSTILE = (
    r"printf '\033]8;;https://evil.example/\033\\click me\033]8;;\033\\ "
    r"\033]0;pw\156ed\007\033[2J\033[5Ahidden\rshown \342\200\256txet\n'"
)
LEAKED_PAIR = "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _control_free(text: str) -> bool:
    return not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)


def test_a_hostile_step_leaks_no_escape_and_no_secret(tmp_path: Path) -> None:
    env_dump = tmp_path / "env.txt"
    step = (
        f"{HOSTILE}; env > {env_dump}; env | grep -E ^AWS_[SA][EC]; "
        f"echo 'found in a log: {LEAKED_PAIR}'; exit 1"
    )
    config = write_config(
        tmp_path,
        f"[[steps]]\nname = \"deploy\\u001b]0;evil-title\\u0007\\u001b[31m\"\nrun = '''{step}'''\n",
    )
    out = tmp_path / ".autofix"
    result = run_autofix(
        "run", "--strategy", "trial", "--config", str(config), "--no-verify", timeout=300
    )
    assert result.exit_code == 1, result.output[-2000:]
    report = run_autofix("report", str(out))
    assert report.exit_code == 0, report.output

    given = dict(
        line.split("=", 1) for line in env_dump.read_text().splitlines() if line.startswith("AWS_")
    )
    secret = given["AWS_SECRET_ACCESS_KEY"]
    assert len(secret) >= 20
    kept = {
        "console": result.output,
        "ledger": (out / "ledger.jsonl").read_text(),
        "report.md": (out / "report.md").read_text(),
        "report.html": (out / "report.html").read_text(),
    }
    # the step's tail made it to each of them, cleaned
    for where, text in kept.items():
        assert "AWS_SECRET_ACCESS_KEY=" in text, where
        assert secret not in text, where
        assert "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" not in text, where
        assert "\x1b" not in text and "\\u001b" not in text, where
        assert "evil-title" not in text and "pwned" not in text, where
    assert _control_free(result.output)
    assert "deploy" in result.output and "click me" in result.output


def test_clean_strips_controls_and_masks_secrets() -> None:
    untrusted.remember("a-session-token-of-the-deployer")
    text = (
        "\x1b[1mbold\x1b[0m \x1b]52;c;Y29weQ==\x07\x9b2Jx\x00y "
        'token a-session-token-of-the-deployer "SecretAccessKey": "abcdEFGH1234abcdEFGH" '
        "aws_session_token=IQoJb3JpZ2luX2VjEOr//////////wEaCXVz\nline two\r\nthree\rfour"
    )
    assert untrusted.clean(text) == (
        'bold xy token **** "SecretAccessKey": "****" aws_session_token=****\nline two\nthree\nfour'
    )


def test_a_secret_shaped_token_is_masked_only_beside_a_key_id() -> None:
    forty = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    assert untrusted.clean(f"AKIAIOSFODNN7EXAMPLE {forty}") == "AKIAIOSFODNN7EXAMPLE ****"
    arn = "arn:aws:s3:::bucket/" + "k" * 40
    assert untrusted.clean(arn) == arn
    assert untrusted.clean(f"{forty}\nAKIAIOSFODNN7EXAMPLE") == f"{forty}\nAKIAIOSFODNN7EXAMPLE"
