"""`luckymart-admin preflight --stage NAME`: everything a deploy of the stage depends on and nothing in the
repository can check, checked before anything changes (`make deploy` runs it first and stops on a ✘):

- every secret the functions read, plus the front door's origin secret, exists in SSM with the right type and
  parses (key lengths, the role claims of the database keys; secret_rules.py);
- the public keys in config/<stage>.yml are the public halves of the private keys in SSM (draw and receipt keys);
- the stage config holds no placeholder, its alarms page real addresses, the Mini App's origin passes CORS;
- the database behind supabaseUrl accepts each class's key as its role and has every migration of this checkout
  (public.deploy_status, asked once per key through the project's own API);
- the Parameters and Secrets extension layer exists for the stage's region and architecture;
- the bot's registered webhook is this stage's front door (from the stage's stack; before the first deploy there
  is no front door yet, and the line says so without failing).

Prints one line per check, ✔ or ✘ (– for what can only be checked after the first deploy), with the fix under
each ✘. Exit 0 when nothing failed, 1 otherwise, 2 on bad usage. Secret values are never printed. Reads with the
caller's AWS credentials: ssm:GetParameters on /luckymart/<stage>/*, cloudformation:DescribeStacks,
lambda:GetLayerVersion. Independent steps run concurrently; the summary line says how long it took."""

from __future__ import annotations

import argparse
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from luckymart_cli import secret_rules, stage_config
from luckymart_cli.secret_rules import ORIGIN_SECRET, RULES, BadSecret

MIGRATIONS = stage_config.ROOT / "infra" / "supabase" / "migrations"
RUNBOOK = "docs/first-deploy.md"
HTTP_TIMEOUT_SECONDS = 10
TELEGRAM_API = "https://api.telegram.org"
WEBHOOK_PATH = "/functions/v1/telegram-webhook"
MARK = {True: "✔", False: "✘", None: "–"}
SSM_FIX = "AWS credentials allowed ssm:GetParameters on {0.prefix}/* (and kms:Decrypt for its key)"
_LAYER_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:([a-z0-9-]+):([0-9]{12}):layer:([A-Za-z0-9_-]+):([0-9]+)$")


@dataclass
class Check:
    name: str
    ok: bool | None  # None: cannot be checked yet (says when it can)
    detail: str
    fix: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Parameter:
    value: str
    type: str
    version: int


@dataclass
class Stage:
    name: str
    config: dict[str, Any]
    config_path: Path
    region: str
    arch: str
    profile: str | None

    @property
    def prefix(self) -> str:
        return f"/luckymart/{self.name}"

    def put_secrets(self, *names: str) -> str:
        replace = "".join(f" --replace {n}" for n in names)
        return f"python -m scripts.put_secrets --stage {self.name}{replace}"


# ---------------------------------------------------------------- AWS reads (each in its own worker thread)
class AwsProblem(Exception):
    pass


def _aws_error(error: Exception) -> str:
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code')}: {details.get('Message')}"
    return f"{type(error).__name__}: {error}"


def read_parameters(ssm: Any, stage: Stage) -> dict[str, Parameter]:
    """Every secret by name (its latest version), plus `origin_secret@pinned`: the version the front door sends."""
    version = stage_config.setting(stage.config, "frontDoor.originSecretVersion")
    names = [f"{stage.prefix}/{n}" for n in RULES]
    if isinstance(version, int):
        names.append(f"{stage.prefix}/{ORIGIN_SECRET}:{version}")
    versions: dict[str, dict[int, Parameter]] = {}
    try:
        for start in range(0, len(names), 10):  # GetParameters takes at most 10 names
            answer = ssm.get_parameters(Names=names[start : start + 10], WithDecryption=True)
            for item in answer.get("Parameters", []):
                parameter = Parameter(str(item["Value"]), str(item["Type"]), int(item["Version"]))
                versions.setdefault(str(item["Name"]).rsplit("/", 1)[-1], {})[parameter.version] = parameter
    except Exception as error:
        raise AwsProblem(_aws_error(error)) from None
    found = {name: stored[max(stored)] for name, stored in versions.items()}  # unversioned = the latest
    if isinstance(version, int) and version in versions.get(ORIGIN_SECRET, {}):
        found[f"{ORIGIN_SECRET}@pinned"] = versions[ORIGIN_SECRET][version]
    return found


def front_door_url(cloudformation: Any, stage: Stage) -> tuple[str | None, str]:
    """(FrontDoorUrl of the stage's stack, or None before the first deploy; what was found)."""
    from botocore.exceptions import ClientError

    name = f"luckymart-{stage.name}"
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error.response.get("Error", {}).get("Message", "")):
            return None, f"stack {name} does not exist in {stage.region} yet"
        raise AwsProblem(_aws_error(error)) from None
    except Exception as error:
        raise AwsProblem(_aws_error(error)) from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    url = outputs.get("FrontDoorUrl")
    if not url:
        return None, f"stack {name} ({stacks[0].get('StackStatus')}) has no FrontDoorUrl output yet"
    return str(url).rstrip("/"), f"stack {name}"


# ---------------------------------------------------------------- checks
def config_checks(stage: Stage) -> list[Check]:
    config, path = stage.config, stage.config_path
    checks = []
    absent = stage_config.missing(config)
    checks.append(
        Check(
            "stage settings",
            not absent,
            f"every required setting is in {path.name}" if not absent else f"missing: {', '.join(absent)}",
            "" if not absent else f"add them to {path} (config/prod.yml shows each with its explanation)",
        )
    )
    found = stage_config.placeholders(config)
    checks.append(
        Check(
            "no placeholder",
            not found,
            "no example value left" if not found else f"{len(found)} example value(s) left in {path.name}",
            "" if not found else f"replace each in {path} ({RUNBOOK}, step 'stage settings')",
            [f"{p.path} = {p.value} ({p.why})" for p in found],
        )
    )
    problems = stage_config.origin_problems(config)
    checks.append(
        Check(
            "origins",
            not problems,
            f"the Mini App {config.get('miniAppUrl')} is in corsOrigins; every origin is https"
            if not problems
            else "; ".join(problems),
            "" if not problems else f"fix corsOrigins / miniAppUrl / supabaseUrl in {path}",
        )
    )
    recipients, problems = stage_config.recipient_problems(config)
    checks.append(
        Check(
            "alarm recipients",
            not problems,
            f"{len(recipients)}: {', '.join(recipients)}" if not problems else "; ".join(problems),
            ""
            if not problems
            else f"alarms.email / alarms.https in {path}: a monitored address or an https endpoint "
            "(PagerDuty, Opsgenie, …); confirm each subscription after the deploy",
        )
    )
    return checks


def secret_checks(stage: Stage, found: dict[str, Parameter] | None, problem: str | None) -> list[Check]:
    if found is None:
        return [Check("secrets", False, f"could not read SSM in {stage.region}: {problem}", SSM_FIX.format(stage))]
    checks = []
    for name, rule in RULES.items():
        parameter = found.get(name)
        check = Check(f"secret {name}", True, "")
        if parameter is None:
            check.ok, check.detail = False, f"{stage.prefix}/{name} does not exist ({rule.what})"
            check.fix = stage.put_secrets()
            checks.append(check)
            continue
        try:
            check.detail = rule.check(parameter.value)
            if parameter.type != rule.parameter_type:
                raise BadSecret(
                    f"stored as {parameter.type}, must be {rule.parameter_type}"
                    + (
                        " (CloudFormation cannot resolve a SecureString into CloudFront)"
                        if rule.parameter_type == "String"
                        else " (encrypted at rest, hidden in the console)"
                    )
                )
            if name == "receipt_signing_key" and parameter.value == getattr(
                found.get("fairdraw_signing_key"), "value", None
            ):
                raise BadSecret("it is the draw key: the purchase function must not be able to sign a draw")
            if name == ORIGIN_SECRET:
                check.detail += _origin_version(stage, found)
        except BadSecret as bad:
            check.ok, check.detail = False, str(bad)
            check.fix = f"{stage.put_secrets(name)}  ({rule.what})"
        except _VersionProblem as bad:
            check.ok, check.detail = False, str(bad)
            check.fix = bad.fix
        checks.append(check)
    return checks


class _VersionProblem(Exception):
    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def _origin_version(stage: Stage, found: dict[str, Parameter]) -> str:
    version = stage_config.setting(stage.config, "frontDoor.originSecretVersion")
    latest = found[ORIGIN_SECRET]
    if not isinstance(version, int) or f"{ORIGIN_SECRET}@pinned" not in found:
        raise _VersionProblem(
            f"frontDoor.originSecretVersion {version!r} is not a stored version (latest: {latest.version})",
            f"set frontDoor.originSecretVersion: {latest.version} in {stage.config_path}",
        )
    pinned = found[f"{ORIGIN_SECRET}@pinned"]
    try:
        secret_rules.origin_secret(pinned.value)
    except BadSecret as bad:
        raise _VersionProblem(f"version {version}: {bad}", stage.put_secrets(ORIGIN_SECRET)) from None
    return f", version {version} pinned (latest {latest.version})"


def public_key_checks(stage: Stage, found: dict[str, Parameter] | None) -> list[Check]:
    checks = []
    for setting, secret in (
        ("fairdrawPublicKey", "fairdraw_signing_key"),
        ("receiptPublicKey", "receipt_signing_key"),
    ):
        configured = str(stage.config.get(setting) or "")
        name = f"{setting} matches {secret}"
        private = getattr((found or {}).get(secret), "value", None)
        try:
            derived = secret_rules.public_key_of(private) if private else None
        except ValueError:
            derived = None
        if derived is None:
            checks.append(
                Check(
                    name,
                    False,
                    f"not checked: {secret} is missing or unreadable (above)",
                    f"store {secret} first ({stage.put_secrets()}), then set {setting}",
                )
            )
        elif configured.lower() != derived:
            checks.append(
                Check(
                    name,
                    False,
                    f"{setting} {configured or '(unset)'} is not the public half of {secret}: "
                    + (
                        "every draw would show NOT VALID"
                        if secret.startswith("fairdraw")
                        else "no receipt would verify"
                    ),
                    f'{setting}: "{derived}" in {stage.config_path}',
                )
            )
        else:
            checks.append(Check(name, True, derived))
    return checks


def local_migrations() -> list[str]:
    return sorted(path.stem.partition("_")[0] for path in MIGRATIONS.glob("*.sql"))


def ask_database(supabase_url: str, anon: str | None, key: str) -> tuple[int, Any]:
    """POST rpc/deploy_status with one class's key, as the functions call PostgREST: (status, body or error)."""
    import httpx

    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if anon:
        headers["apikey"] = anon
    try:
        response = httpx.post(
            f"{supabase_url.rstrip('/')}/rest/v1/rpc/deploy_status",
            headers=headers,
            content=b"{}",
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as error:
        return 0, f"{type(error).__name__}"
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, {"message": response.text[:200]}


def _database_refusal(stage: Stage, db_class: str, status: int, body: Any) -> tuple[str, str]:
    """(what went wrong, the fix) for an answer other than 200."""
    host = urlsplit(str(stage.config.get("supabaseUrl"))).hostname
    push = "apply the migrations: supabase db push (runbook step 'database')"
    if status == 0:
        return f"{host} cannot be reached ({body})", f"check supabaseUrl in {stage.config_path}"
    error = body if isinstance(body, dict) else {}
    code, message = str(error.get("code") or ""), str(error.get("message") or error.get("msg") or "")
    if status == 401 and code.startswith("PGRST3"):
        return (
            f"the project refuses supabase_{db_class}_key ({message}): not signed with this project's JWT secret",
            "mint the keys with this project's JWT secret: "
            + stage.put_secrets(*(f"supabase_{c}_key" for c in secret_rules.CLASSES)),
        )
    if status == 401:
        return f"the project's gateway refuses the request ({message or status}): supabase_anon_key is wrong", (
            stage.put_secrets("supabase_anon_key")
        )
    if code == "PGRST202":
        return "public.deploy_status does not exist: the migrations are not applied", push
    if code == "22023":
        return f"{message}: the migrations are not applied", push
    if code == "42501":
        return f"{message}", f"{push} (the hardening migration grants each class role to the authenticator)"
    return f"{status} {code} {message}".strip(), push


def unaskable_database(stage: Stage) -> str | None:
    """Why the database behind supabaseUrl cannot be asked at all (an example URL is not called)."""
    url = str(stage.config.get("supabaseUrl") or "")
    if not url:
        return "supabaseUrl is not set"
    if any(p.path == "supabaseUrl" for p in stage_config.placeholders(stage.config)):
        return f"supabaseUrl {url} is an example value"
    return None


def database_checks(stage: Stage, answers: dict[str, tuple[int, Any] | None]) -> list[Check]:
    checks = []
    applied: list[str] | None = None
    blocked = unaskable_database(stage)
    for db_class in secret_rules.CLASSES:
        name, role = f"database role luckymart_{db_class}", f"luckymart_{db_class}"
        answer = answers.get(db_class)
        if blocked is not None:
            checks.append(Check(name, False, f"not checked: {blocked}", f"set supabaseUrl in {stage.config_path}"))
            continue
        if answer is None:
            checks.append(
                Check(name, False, f"not checked: supabase_{db_class}_key is missing", stage.put_secrets())
            )
            continue
        status, body = answer
        if status == 200 and isinstance(body, dict) and body.get("role") == role:
            host = urlsplit(str(stage.config.get("supabaseUrl"))).hostname
            checks.append(Check(name, True, f"{host} accepts supabase_{db_class}_key and acts as {role}"))
            if applied is None and body.get("migrations") is not None:
                applied = [str(v) for v in body["migrations"]]
            elif applied is None:
                applied = []
        elif status == 200:
            acts = body.get("role") if isinstance(body, dict) else None
            checks.append(
                Check(
                    name,
                    False,
                    f"supabase_{db_class}_key acts as {acts!r}, not {role}",
                    stage.put_secrets(f"supabase_{db_class}_key"),
                )
            )
        else:
            detail, fix = _database_refusal(stage, db_class, status, body)
            checks.append(Check(name, False, detail, fix))
    wanted = local_migrations()
    if applied is None:
        checks.append(
            Check(
                "database migrations",
                False,
                "not checked: no class key reached the database (above)",
                "the database role lines above",
            )
        )
    else:
        absent = [v for v in wanted if v not in set(applied)]
        extra = [v for v in applied if v not in set(wanted)]
        if not applied:
            detail = "no migration is recorded (supabase_migrations.schema_migrations is empty or absent)"
        elif absent:
            detail = f"{len(absent)} of {len(wanted)} migrations not applied: {', '.join(absent)}"
        else:
            detail = f"all {len(wanted)} applied (latest {wanted[-1]})"
            if extra:
                detail += f"; the database also has {', '.join(extra)}, which this checkout lacks (older code?)"
        checks.append(
            Check(
                "database migrations",
                bool(applied) and not absent,
                detail,
                "" if applied and not absent else "supabase db push --workdir infra (runbook step 'database')",
            )
        )
    return checks


def layer_check(lambda_client: Any, stage: Stage) -> Check:
    name = f"parameters extension layer ({stage.arch})"
    arn = stage_config.setting(stage.config, f"parametersExtension.{stage.arch}")
    lookup = (
        f'the ARN for {stage.region}/{stage.arch} in AWS\'s "Using Parameter Store parameters in Lambda functions"'
    )
    match = _LAYER_ARN.match(str(arn or ""))
    if not match:
        return Check(
            name,
            False,
            f"parametersExtension.{stage.arch} is {arn!r}, not a layer version ARN",
            f"set it in {stage.config_path}: {lookup}",
        )
    region, _, _, version = match.groups()
    if region != stage.region:
        return Check(
            name,
            False,
            f"{arn} is in {region}; the stage deploys to {stage.region} (Lambda takes layers "
            "of its own region only)",
            f"set parametersExtension.{stage.arch}: {lookup}",
        )
    try:
        layer = lambda_client.get_layer_version(LayerName=str(arn).rsplit(":", 1)[0], VersionNumber=int(version))
    except Exception as error:
        from botocore.exceptions import ClientError

        code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None
        fix = (
            f"set parametersExtension.{stage.arch}: {lookup}"
            if code == "ResourceNotFoundException"
            else "AWS credentials allowed lambda:GetLayerVersion"
        )
        return Check(name, False, f"{arn}: {_aws_error(error)}", fix)
    architectures = layer.get("CompatibleArchitectures") or []
    if architectures and stage.arch not in architectures:
        return Check(
            name,
            False,
            f"{arn} is built for {', '.join(architectures)}, not {stage.arch}",
            f"set parametersExtension.{stage.arch}: {lookup}",
        )
    return Check(name, True, f"{arn} exists" + (f" ({', '.join(architectures)})" if architectures else ""))


def telegram_base() -> str:
    return os.environ.get("TELEGRAM_API_BASE_URL", TELEGRAM_API).rstrip("/")


def bot_call(token: str, method: str) -> tuple[int, dict[str, Any]]:
    import httpx

    try:
        response = httpx.post(f"{telegram_base()}/bot{token}/{method}", json={}, timeout=HTTP_TIMEOUT_SECONDS)
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        return 0, {"description": type(error).__name__}  # never the URL: it holds the token
    return response.status_code, body if isinstance(body, dict) else {}


def webhook_check(
    stage: Stage,
    unchecked: tuple[str, str] | None,
    webhook: tuple[int, dict[str, Any]] | None,
    front_door: tuple[str | None, str] | None,
    front_door_problem: str | None,
) -> Check:
    """`unchecked`: (why, fix) when there is no usable bot token to ask Telegram with."""
    name = "telegram webhook"
    if unchecked is not None or webhook is None:
        why, fix = unchecked or ("no answer", "")
        return Check(name, False, f"not checked: {why}", fix)
    status, body = webhook
    if not body.get("ok"):
        if status == 401:
            return Check(
                name,
                False,
                "Telegram refuses telegram_bot_token (401 Unauthorized): revoked or mistyped",
                f"{stage.put_secrets('telegram_bot_token')}  (the current token from BotFather)",
            )
        return Check(
            name,
            False,
            f"the Bot API did not answer: {status} {body.get('description')}",
            "run preflight again; Telegram's status: https://t.me/BotNews",
        )
    registered = str((body.get("result") or {}).get("url") or "")
    if front_door_problem is not None:
        return Check(
            name,
            False,
            f"the stage's front door could not be read: {front_door_problem}",
            "AWS credentials allowed cloudformation:DescribeStacks",
        )
    url, where = front_door or (None, "")
    register = f"luckymart-admin --stage {stage.name} telegram set-webhook --url "
    if url is None:
        return Check(
            name,
            None,
            f"not yet: {where} (first deploy); registered now: {registered or 'none'}",
            f"after make deploy: {register}<FrontDoorUrl>{WEBHOOK_PATH}",
        )
    expected = f"{url}{WEBHOOK_PATH}"
    result = body.get("result") or {}
    if registered == expected:
        check = Check(name, True, f"{expected} ({result.get('pending_update_count', 0)} pending)")
        if result.get("last_error_message"):
            check.notes.append(f"Telegram's last delivery error: {result['last_error_message']}")
        return check
    detail = (
        "no webhook is registered: the bot answers nobody"
        if not registered
        else (f"registered {registered}, not this stage's front door {expected}")
    )
    return Check(name, False, detail, f"{register}{expected}")


# ---------------------------------------------------------------- the run
def _session(stage: Stage) -> Any:
    import boto3

    return boto3.Session(profile_name=stage.profile, region_name=stage.region)


def run_checks(stage: Stage, session_factory: Callable[[Stage], Any] | None = None) -> list[Check]:
    checks = config_checks(stage)
    session = (session_factory or _session)(stage)
    with ThreadPoolExecutor(max_workers=8) as pool:
        # each request leaves while the next client is built (building one is CPU, a request is waiting)
        parameters = pool.submit(read_parameters, session.client("ssm"), stage)
        front_door = pool.submit(front_door_url, session.client("cloudformation"), stage)
        layer = pool.submit(layer_check, session.client("lambda"), stage)
        found, problem = _outcome(parameters)
        values = {name: p.value for name, p in (found or {}).items()}
        anon = values.get("supabase_anon_key")
        database: dict[str, Future[tuple[int, Any]]] = {}
        for db_class in secret_rules.CLASSES:
            key = values.get(f"supabase_{db_class}_key")
            if key and unaskable_database(stage) is None:
                database[db_class] = pool.submit(ask_database, str(stage.config.get("supabaseUrl")), anon, key)
        token = values.get("telegram_bot_token")
        unchecked: tuple[str, str] | None = None
        if found is None:
            unchecked = ("SSM could not be read (above)", SSM_FIX.format(stage))
        elif not token:
            unchecked = ("telegram_bot_token is missing (above)", stage.put_secrets())
        else:
            try:
                secret_rules.bot_token(token)
            except BadSecret:
                unchecked = ("telegram_bot_token is malformed (above)", stage.put_secrets("telegram_bot_token"))
        webhook = pool.submit(bot_call, token, "getWebhookInfo") if token and unchecked is None else None
        checks += secret_checks(stage, found, problem)
        checks += public_key_checks(stage, found)
        checks += database_checks(stage, {c: f.result() for c, f in database.items()})
        checks.append(layer.result())
        door, door_problem = _outcome(front_door)
        checks.append(webhook_check(stage, unchecked, webhook.result() if webhook else None, door, door_problem))
    return checks


def _outcome(future: Future[Any]) -> tuple[Any, str | None]:
    try:
        return future.result(), None
    except AwsProblem as problem:
        return None, str(problem)


def print_checks(checks: list[Check], out: TextIO) -> None:
    width = max(len(c.name) for c in checks)
    for check in checks:
        print(f"{MARK[check.ok]} {check.name.ljust(width)}  {check.detail}", file=out)
        for note in check.notes:
            print(f"    {note}", file=out)
        if check.fix and check.ok is not True:
            print(f"    {'fix' if check.ok is False else 'then'}: {check.fix}", file=out)


def render(stage: Stage, checks: list[Check], seconds: float, out: TextIO) -> None:
    print(f"preflight luckymart-{stage.name} ({stage.region}, {stage.arch}) with {stage.config_path}", file=out)
    print_checks(checks, out)
    failed = [c for c in checks if c.ok is False]
    later = [c for c in checks if c.ok is None]
    tail = f" ({len(later)} to check after the first deploy)" if later else ""
    if failed:
        print(f"✘ {len(failed)} of {len(checks)} checks failed in {seconds:.2f} s: do not deploy{tail}", file=out)
    else:
        print(f"✔ {len(checks) - len(later)} checks passed in {seconds:.2f} s{tail}", file=out)


def add_parser(groups: Any) -> None:
    parser = groups.add_parser(
        "preflight",
        help="check a stage's secrets, settings, database, layer and webhook before a deploy",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--stage", metavar="NAME", default=argparse.SUPPRESS, help="the stage (config/NAME.yml)")
    parser.add_argument("--config", type=Path, help="the stage's settings file (default config/NAME.yml)")
    parser.add_argument("--region", default=argparse.SUPPRESS, help="default: the stage config's region")
    parser.add_argument("--profile", default=argparse.SUPPRESS, help="AWS profile")
    parser.add_argument(
        "--arch",
        choices=("x86_64", "arm64"),
        default=os.environ.get("LAMBDA_ARCH", "x86_64"),
        help="the functions' architecture (default $LAMBDA_ARCH or x86_64, like serverless.yml)",
    )
    parser.set_defaults(command="preflight", module_run=run)


def load_stage(args: argparse.Namespace) -> Stage:
    name = getattr(args, "stage", None)
    if not name or not re.fullmatch(r"[a-z][a-z0-9-]{0,30}", str(name)):
        raise ValueError("give the stage: --stage NAME (lower case, as in config/NAME.yml)")
    path = getattr(args, "config", None) or stage_config.path_of(str(name))
    config = stage_config.load(Path(path))
    region = getattr(args, "region", None) or config.get("region")
    if not region:
        raise ValueError(f"{path} names no region (and --region was not given)")
    return Stage(str(name), config, Path(path), str(region), str(args.arch), getattr(args, "profile", None))


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    started = time.monotonic()
    try:
        stage = load_stage(args)
    except (ValueError, OSError) as problem:
        print(f"preflight: {problem}", file=err)
        return 2
    checks = run_checks(stage)
    render(stage, checks, time.monotonic() - started, out)
    return 1 if any(c.ok is False for c in checks) else 0
