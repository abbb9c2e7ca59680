"""Creates a stage's secrets in SSM Parameter Store under /luckymart/<stage>/: every secret the functions read and
the front door's origin secret, as listed (with how each is made) in luckymart_cli/secret_rules.py.

    python -m scripts.put_secrets --stage prod                              # what is missing; keeps the rest
    python -m scripts.put_secrets --stage prod --replace telegram_bot_token # rotates one (repeat for more)

Three values come from outside; each is asked without echo, or read from the environment for automation:
    SUPABASE_ANON_KEY   the project's anon (or publishable) key (Supabase: Project Settings -> API Keys)
    JWT_SECRET          the project's JWT secret; the three database keys are minted with it (mint_db_keys.py),
                        or --es256 key.pem --kid <key id> for a private key imported as the project's signing key
    TELEGRAM_BOT_TOKEN  the bot's token (BotFather: /mybots -> the bot -> API Token)
Everything else is generated here with the `secrets` module. Every value is checked by the rule preflight uses
before anything is stored, so a mistyped token is refused here, not at the first request. SecureStrings use the
AWS-managed key alias/aws/ssm; origin_secret is a String (CloudFormation resolves it into CloudFront).

Prints which parameters it stored or kept and the lines config/<stage>.yml needs (the public keys, the origin
secret's version); never a secret value.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from luckymart_cli import secret_rules, stage_config
from luckymart_cli.secret_rules import ORIGIN_SECRET, RULES, BadSecret
from scripts.mint_db_keys import mint

GIVEN = {"supabase_anon_key": "SUPABASE_ANON_KEY", "telegram_bot_token": "TELEGRAM_BOT_TOKEN"}
# Replacing these while a lottery is open makes it impossible to draw verifiably (sealed seeds, committed entries).
ONLY_WITHOUT_OPEN_LOTTERIES = {"seed_encryption_key", "referral_pepper"}


class Refused(Exception):
    pass


def _ask(variable: str, prompt: str) -> str:
    value = os.environ.get(variable)
    if value:
        return value.strip()
    if not sys.stdin.isatty():
        raise Refused(f"{variable} is not set and there is no terminal to ask on")
    return getpass.getpass(f"{prompt} ({variable}): ").strip()


def existing(ssm: Any, prefix: str) -> dict[str, tuple[str, str, int]]:
    """name -> (value, type, version) of the stage's stored secrets."""
    names = [f"{prefix}/{name}" for name in RULES]
    found = {}
    for start in range(0, len(names), 10):
        answer = ssm.get_parameters(Names=names[start : start + 10], WithDecryption=True)
        for item in answer.get("Parameters", []):
            found[str(item["Name"]).rsplit("/", 1)[-1]] = (
                str(item["Value"]),
                str(item["Type"]),
                int(item["Version"]),
            )
    return found


def new_values(wanted: list[str], args: argparse.Namespace) -> dict[str, str]:
    """A value for each wanted secret, each one checked; nothing is stored when any is refused."""
    values: dict[str, str] = {}
    keys = [name for name in wanted if name.startswith("supabase_") and name != "supabase_anon_key"]
    if keys:
        pem = Path(args.es256).read_bytes() if args.es256 else None
        jwt_secret = None if pem else _ask("JWT_SECRET", "the project's JWT secret")
        if not pem and not jwt_secret:
            raise Refused("the database keys need JWT_SECRET (or --es256 key.pem --kid <key id>)")
        for name in keys:
            db_class = name.removeprefix("supabase_").removesuffix("_key")
            values[name] = mint(db_class, days=args.days, hs256_secret=jwt_secret, es256_pem=pem, kid=args.kid)
    for name in wanted:
        if name in values:
            continue
        make = RULES[name].make
        if make is not None:
            values[name] = make()
        elif name in GIVEN:
            values[name] = _ask(GIVEN[name], RULES[name].what)
    for name, value in values.items():
        try:
            RULES[name].check(value)
        except BadSecret as bad:
            raise Refused(f"{name}: {bad}") from None
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--config", type=Path, help="default: config/<stage>.yml")
    parser.add_argument("--region", help="default: the stage config's region")
    parser.add_argument("--profile", help="AWS profile")
    parser.add_argument(
        "--replace",
        action="append",
        default=[],
        choices=sorted(RULES),
        metavar="NAME",
        help="store a new value for this secret (rotation)",
    )
    parser.add_argument(
        "--force", action="store_true", help="allow --replace of seed_encryption_key/referral_pepper"
    )
    parser.add_argument("--es256", help="PEM private key imported into the project's JWT signing keys")
    parser.add_argument("--kid", help="key id of the imported signing key (ES256)")
    parser.add_argument("--days", type=int, default=365, help="lifetime of minted database keys (365)")
    args = parser.parse_args(argv)
    risky = ONLY_WITHOUT_OPEN_LOTTERIES & set(args.replace)
    if risky and not args.force:
        parser.error(
            f"replacing {', '.join(sorted(risky))} makes open lotteries undrawable: check that none is "
            "open, then add --force"
        )
    config_path = args.config or stage_config.path_of(args.stage)
    config = stage_config.load(config_path)
    region = args.region or config["region"]
    import boto3

    ssm = boto3.Session(profile_name=args.profile, region_name=region).client("ssm")
    prefix = f"/luckymart/{args.stage}"
    stored = existing(ssm, prefix)
    wanted = [name for name in RULES if name not in stored or name in args.replace]
    try:
        values = new_values(wanted, args)
    except Refused as refused:
        print(f"refused, nothing stored: {refused}", file=sys.stderr)
        return 2
    for name in RULES:
        if name not in values:
            print(f"kept    {prefix}/{name} (version {stored[name][2]})")
            continue
        rule = RULES[name]
        answer = ssm.put_parameter(
            Name=f"{prefix}/{name}",
            Value=values[name],
            Type="String" if rule.parameter_type == "String" else "SecureString",
            Overwrite=name in stored,
        )
        stored[name] = (values[name], rule.parameter_type, int(answer["Version"]))
        print(f"stored  {prefix}/{name} ({rule.parameter_type}, version {answer['Version']})")
    needed = []
    for setting, secret in (
        ("fairdrawPublicKey", "fairdraw_signing_key"),
        ("receiptPublicKey", "receipt_signing_key"),
    ):
        public = secret_rules.public_key_of(stored[secret][0])
        if str(config.get(setting) or "").lower() != public:
            needed.append(f'{setting}: "{public}"')
    version = stored[ORIGIN_SECRET][2]
    if stage_config.setting(config, "frontDoor.originSecretVersion") != version:
        needed.append(f"frontDoor.originSecretVersion: {version}")
    if needed:
        print(f"\nset in {config_path}:")
        for line in needed:
            print(f"  {line}")
    offline = ", ".join(name for name, rule in RULES.items() if rule.keep_offline and name in values)
    if offline:
        print(f"\nkeep an offline copy of {offline}: without them open lotteries cannot be drawn verifiably")
    return 0


if __name__ == "__main__":
    sys.exit(main())
