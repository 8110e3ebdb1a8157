"""The simulator reads a command line as the real signal-cli 0.13.19 does (issue 9 item 4).

The real parser's own description of every command (``ArgvProbe.java`` ``#spec``) drives the
corpus: for each option the simulator implements, every spelling the real parser accepts
(each alias, ``--flag=value``, ``--flag value``, ``-fVALUE``, the shortest unambiguous
abbreviation such as ``updateGroup --n NAME``), lists, ``--`` before positionals, and tokens that
only look like values (``-1.5``, ``-x y``, ``-١``). Each command line goes to both parsers; they
must accept and refuse the same lines and read the same values.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
from typing import Any

from signal_api.simulator.cli import parse_command_line
from signal_api.simulator.commands import REGISTRY, Opt
from tests.conformance.real_parser import real_parser  # noqa: F401 (fixture)
from tests.conformance.argv_capture import same

CONFIG = "/tmp/parity-config"
ACCOUNT = "+4915112345678"
# Tokens a parser might take for a value or for an option; each parser must decide alike.
AMBIGUOUS_TOKENS = ["-", "-1", "-12", "-1.5", "-.5", "-x", "-x y", "-1 ", "-١", "-5\n", "--", "--x=", " -x", "@x",
                    "=", "", "a b", "-e"]


def sample_value(opt: Opt) -> str:
    """A value the option takes in both parsers."""
    if opt.choices:
        return opt.choices[0]
    return {"int": "5", "longs": "5", "float": "5", "bool": "true"}.get(opt.kind, "v")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def simulated(command: str) -> dict[str, Opt]:
    """The simulator's options of ``command`` by argparse4j dest (snake_case)."""
    return {snake(opt.dest): opt for opt in REGISTRY[command].options} if command in REGISTRY else {}


def shortest_abbreviation(flag: str, all_flags: list[str]) -> str | None:
    """The shortest prefix of a long ``flag`` that argparse4j resolves to it alone (None if none)."""
    for end in range(3, len(flag)):
        prefix = flag[:end]
        if prefix not in all_flags and [f for f in all_flags if f.startswith(prefix)] == [flag]:
            return prefix
    return None


def command_lines(spec: dict[str, Any]) -> list[list[str]]:
    lines: list[list[str]] = []
    head = [f"--config={CONFIG}", f"--account={ACCOUNT}"]
    for command, arguments in sorted(spec.items()):
        if command in ("", "added") or command not in REGISTRY or REGISTRY[command].extra.get("rpc_only"):
            continue
        opts = simulated(command)
        required: list[str] = []
        for argument in arguments:
            opt = opts.get(argument["dest"])
            if not argument["required"]:
                continue
            if opt is None:
                break  # a required option the simulator lacks: nothing to compare
            required += [f"{argument['flags'][-1]}={sample_value(opt)}"] if argument["flags"] else []
        else:
            positional = [a for a in arguments if not a["flags"] and a["min"] != 0]
            tail = ["--", sample_value(opts[positional[0]["dest"]])] if positional else []
            # An abbreviation must be unambiguous for both (the simulator also has 0.14's options).
            all_flags = sorted({f for a in arguments for f in a["flags"]}
                               | {f for opt in REGISTRY[command].options for f in opt.flags if f.startswith("-")})
            for argument in arguments:
                opt = opts.get(argument["dest"])
                if opt is None or argument["dest"] == "help":
                    continue
                lines += [[*head, command, *required, *form, *tail]
                          for form in spellings(argument, opt, all_flags, is_required=argument["required"])]
    return lines


def spellings(argument: dict[str, Any], opt: Opt, all_flags: list[str], *, is_required: bool) -> list[list[str]]:
    """The ways of writing ``argument`` (a dict of the real spec) the real parser accepts, and near misses."""
    value = sample_value(opt)
    if not argument["flags"]:  # a positional
        forms = [[value], ["--", value], ["--", "-x"], ["--", "--", value]]
        return forms + [[token] for token in AMBIGUOUS_TOKENS]
    forms: list[list[str]] = []
    for flag in argument["flags"]:
        names = [flag]
        if flag.startswith("--"):
            names += [p for p in [shortest_abbreviation(flag, all_flags)] if p]
        for name in names:
            if not argument["takes_value"]:
                forms += [[name], [f"{name}=x"]]
                continue
            forms += [[f"{name}={value}"], [name, value]]
            if argument["max"] > 0:  # a list option
                forms += [[name, value, value], [name], [f"{name}={value}", value]]
        if len(flag) == 2 and argument["takes_value"]:
            forms.append([flag + value])
    if argument["takes_value"]:
        # How values that look like options are read, through the option's main spelling.
        name = argument["flags"][-1]
        before = [value] if argument["max"] > 0 else []
        forms += [[name, *before, token] for token in AMBIGUOUS_TOKENS]
        if opt.kind == "str" and not opt.choices:
            forms += [[f"{name}={token}"] for token in AMBIGUOUS_TOKENS]
    if is_required:
        forms = [f for f in forms if not (len(f) == 1 and "=" not in f[0])]
    return forms


def simulator_reading(argv: list[str]) -> tuple[str | None, dict[str, Any]]:
    """(error, {dest: value}) as the simulator's parser reads ``argv``."""
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            line = parse_command_line(argv)
    except SystemExit:
        return stderr.getvalue().strip().splitlines()[-1], {}
    reading = {snake(k): v for k, v in line.params.items()}
    options = line.options
    reading.update(config=options.config, account=options.account, output=options.output,
                   trust_new_identities=options.trust_new_identities, verbose=options.verbose or None,
                   log_file=options.log_file, scrub_log=options.scrub_log)
    return None, {k: v for k, v in reading.items() if v not in (None, False, [])}


def compare(argvs: list[list[str]], real_parser) -> list[str]:  # noqa: F811
    spec = real_parser.spec()
    defaults = {command: {a["dest"]: a["default"] for a in arguments}
                for command, arguments in spec.items() if command != "added"}
    problems = []
    for argv, real in zip(argvs, real_parser.parse(argvs)):
        error, reading = simulator_reading(argv)
        if (real.error is None) != (error is None):
            problems.append(f"{argv!r}: real {'refuses: ' + real.error if real.error else 'accepts'}, simulator "
                            f"{'refuses: ' + error if error else 'accepts'}")
            continue
        if real.error is not None:
            continue
        # The real parser reports what differs from its defaults; the simulator, what was given.
        known = {**defaults[""], **defaults.get(real.command, {})}
        real_set = real.set or {}
        reading = {k: v for k, v in reading.items() if k in real_set or not same(known.get(k), v)}
        for key in set(real_set) | set(reading):
            if not same(real_set.get(key), reading.get(key)) and not same(reading.get(key), real_set.get(key)):
                problems.append(f"{argv!r}: {key} is {real_set.get(key)!r} for the real parser, "
                                f"{reading.get(key)!r} for the simulator")
    return problems


def test_the_simulator_reads_every_spelling_of_the_real_parser_alike(real_parser):  # noqa: F811
    argvs = command_lines(real_parser.spec())
    assert len(argvs) > 1500  # every implemented command with its options
    problems = compare(argvs, real_parser)
    assert problems == [], f"{len(problems)} differences:\n" + "\n".join(problems[:60])


GLOBAL_SPELLINGS = [
    ["-c", CONFIG, "-a", ACCOUNT, "-o", "json", "listGroups", "-d"],
    [f"-c{CONFIG}", f"-a{ACCOUNT}", "-ojson", "listGroups", "--detailed"],
    [f"--c={CONFIG}", f"--acc={ACCOUNT}", "--o=json", "--trust=always", "listGroups"],
    [f"--config={CONFIG}", "-u", ACCOUNT, "--output", "json", "listGroups"],
    [f"--config={CONFIG}", f"--username={ACCOUNT}", "--trust-new-identities", "never", "listGroups"],
    [f"--config={CONFIG}", f"--account={ACCOUNT}", "updateGroup", "--n", "NAME", "--desc", "D"],
    [f"--config={CONFIG}", f"--account={ACCOUNT}", "send", "+49151", "--message", "hi", "+49152", "--", "-x"],
    [f"--config={CONFIG}", "-a", "--help", "listGroups"],
    [f"--config={CONFIG}", f"--account={ACCOUNT}", "-v", "listGroups"],
    [f"--config={CONFIG}", f"--account={ACCOUNT}", "--", "listGroups"],
    [f"--config={CONFIG}", f"--account={ACCOUNT}", "listGroups", "-a", ACCOUNT],
    [f"--config={CONFIG}", "--account=", "listGroups"],
    [f"--config={CONFIG}", "--account=--", "listGroups"],
]


def test_global_options_are_read_alike(real_parser):  # noqa: F811
    assert compare(GLOBAL_SPELLINGS, real_parser) == []


def test_the_simulator_takes_update_group_n_as_the_original_sends_it(make_api):
    """The original runs ``updateGroup -g ID --n NAME``; the simulator refused the abbreviation."""
    api = make_api("normal")
    api.register(ACCOUNT)
    created = api.simulator("-a", ACCOUNT, "-o", "json", "updateGroup", "--n", "Team")
    assert created.returncode == 0, created.stderr
    group_id = json.loads(created.stdout)["groupId"]
    renamed = api.simulator("-a", ACCOUNT, "updateGroup", "-g", group_id, "--n", "New name", "--desc=-d")
    assert renamed.returncode == 0, renamed.stderr
    groups = json.loads(api.simulator("-a", ACCOUNT, "-o", "json", "listGroups").stdout)
    assert [(g["name"], g["description"]) for g in groups] == [("New name", "-d")]


def test_values_after_a_double_dash_are_recipients_in_the_simulator(make_api):
    api = make_api("normal")
    api.register(ACCOUNT)
    sent = api.simulator("-a", ACCOUNT, "-o", "json", "send", "--message=hi", "--", "+4915187654321", "-1")
    assert api.last_call("send")["params"]["recipient"] == ["+4915187654321", "-1"], sent.stderr
