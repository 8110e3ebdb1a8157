"""Account lifecycle: version, register, verify, unregister, deleteLocalAccountData, listAccounts, linking."""

from __future__ import annotations

from .. import SIGNAL_CLI_VERSION, links, log, output, recipients, state
from ..errors import IOFailure, UnexpectedError, UserError
from .base import Context, Opt, command

VERIFICATION_CODE = "123456"
CAPTCHA_PREFIX = "+995"   # numbers that need --captcha to register (documented in README.md)

_CAPTCHA_TEXT = (
    "Captcha required for verification, use --captcha CAPTCHA\n"
    "To get the token, go to https://signalcaptchas.org/registration/generate.html\n"
    'After solving the captcha, right-click on the "Open Signal" link and copy the link.'
)
_VERIFY_NPE = (
    'java.lang.NullPointerException: Cannot invoke "org.whispersystems.signalservice.api.registration.'
    'RegistrationApi.verifyAccount(String, String)" because "this.session" is null\n'
    "\tat org.asamk.signal.manager.internal.RegistrationManagerImpl.verifyAccount(RegistrationManagerImpl.java:186)\n"
    "\tat org.asamk.signal.commands.VerifyCommand.verify(VerifyCommand.java:61)\n"
    "\tat org.asamk.signal.commands.VerifyCommand.handleCommand(VerifyCommand.java:42)\n"
    "\tat org.asamk.signal.App.handleRegistrationCommand(App.java:267)\n"
    "\tat org.asamk.signal.App.init(App.java:177)\n"
    "\tat org.asamk.signal.Main.main(Main.java:57)"
)


@command("version", scope="global", plain=lambda r, p: [f"signal-cli {r['version']}"])
def version(ctx: Context, params: dict) -> dict:
    return {"version": SIGNAL_CLI_VERSION}


@command("listAccounts", scope="multi", plain=lambda r, p: [f"Number: {a['number']}" for a in r])
def list_accounts(ctx: Context, params: dict) -> list[dict]:
    result = []
    for account in state.all_accounts(ctx.config_dir):
        if account.get("registered"):
            result.append({"number": account["number"]})
        elif ctx.via == "cli":
            log.warn("MultiAccountManager",
                     f"Ignoring {account['number']}: User is not registered. (NotRegisteredException)")
    return result


@command("register", scope="registration", typed=("voice", "captcha", "reregister"), options=[
    Opt(("-v", "--voice"), "flag", "The verification should be done over voice, not SMS."),
    Opt(("--captcha",), help="The captcha token, required if registration failed with a captcha required error."),
    Opt(("--reregister",), "flag", "Register even if account is already registered"),
])
def register(ctx: Context, params: dict) -> None:
    cfg, number = ctx.config_dir, ctx.number
    with state.locked(cfg):
        account = state.find_account(cfg, number) or state.create_account(cfg, number)
        net = state.load_network(cfg)
        session = net["sessions"].get(number)
        if account.get("registered") and not params.get("reregister"):
            raise IOFailure("Failed to register: Account is already registered (IOException)")
        if number.startswith(CAPTCHA_PREFIX) and not params.get("captcha"):
            raise UserError(_CAPTCHA_TEXT)
        if params.get("voice") and session is None:
            raise UserError("Failed to register: Invalid verification method: Before requesting voice "
                            "verification you need to request SMS verification and wait a minute.")
        net["sessions"][number] = {"createdTimestamp": state.now_ms(), "code": VERIFICATION_CODE,
                                   "voice": bool(params.get("voice"))}
        state.save_network(cfg, net)


@command("verify", scope="registration", typed=("verificationCode", "pin"), options=[
    Opt(("verification-code",), help="The verification code you received via sms or voice call."),
    Opt(("-p", "--pin"), help="The registration lock PIN, that was set by the user (Optional)"),
])
def verify(ctx: Context, params: dict) -> None:
    cfg, number = ctx.config_dir, ctx.number
    with state.locked(cfg):
        account = state.find_account(cfg, number)
        net = state.load_network(cfg)
        session = net["sessions"].get(number)
        if account is None or session is None:
            raise UnexpectedError("NullPointerException", trace=_VERIFY_NPE)
        code = (params.get("verificationCode") or "").replace("-", "")
        if code != session["code"]:
            raise IOFailure("Verify error: Verification code is incorrect")
        lock_pin = account.get("registrationLockPin")
        if lock_pin and not params.get("pin"):
            raise UserError("Verification failed! This number is locked with a pin. Hours remaining until "
                            "reset: 167\nUse '--pin PIN_CODE' to specify the registration lock PIN")
        if lock_pin and params.get("pin") != lock_pin:
            raise UserError("Verification failed! Invalid pin, tries remaining: 9")
        if params.get("pin"):
            account["registrationLockPin"] = params["pin"]
        state.mark_registered(cfg, account)
        del net["sessions"][number]
        state.save_network(cfg, net)


@command("unregister", scope="account", options=[
    Opt(("--delete-account",), "flag", "Delete account completely from server."),
])
def unregister(ctx: Context, params: dict) -> None:
    with state.locked(ctx.config_dir):
        account = state.find_account(ctx.config_dir, ctx.account["number"])
        account["registered"] = False
        state.save_account(ctx.config_dir, account)


@command("deleteLocalAccountData", scope="registration", options=[
    Opt(("--ignore-registered",), "flag", "Delete the account data even though the account is still registered."),
])
def delete_local_account_data(ctx: Context, params: dict) -> None:
    cfg = ctx.config_dir
    with state.locked(cfg):
        account = state.find_account(cfg, ctx.number)
        if account is None:
            return
        if account.get("registered") and not params.get("ignoreRegistered"):
            raise UserError("Not deleting account, it is still registered. Use --ignore-registered to delete it anyway.")
        state.delete_account(cfg, account)
        net = state.load_network(cfg)
        if net["sessions"].pop(ctx.number, None) is not None:
            state.save_network(cfg, net)


@command("link", scope="provisioning", output_types=("plain-text",), rpc=False,
         plain=lambda r, p: [f"Associated with: {r}"], options=[
    Opt(("-n", "--name"), help='Specify a name to describe this new device. (default: "cli")'),
])
def link(ctx: Context, params: dict) -> str:
    """Print the URI at once (callers read it from the first line), then wait for the scan."""
    uri = links.new_link(ctx.config_dir, params.get("name") or "cli")
    output.write_lines([uri])
    return links.wait(ctx.config_dir, uri, links.link_timeout(ctx.config_dir))


@command("updateProfile", scope="account", options=[
    Opt(("--given-name", "--name"), help="New profile (given) name"),
    Opt(("--family-name",), help="New profile family name (optional)"),
    Opt(("--about",), help="New profile about text"),
    Opt(("--about-emoji",), help="New profile about emoji"),
    Opt(("--mobile-coin-address", "--mobilecoin-address"), help="New MobileCoin address (Base64 encoded public address)"),
    Opt(("--avatar",), help="Path to new profile avatar", exclusive="avatar"),
    Opt(("--remove-avatar",), "flag", exclusive="avatar"),
])
def update_profile(ctx: Context, params: dict) -> None:
    """Name/about become what others see (``sourceName``, contacts' profile); the avatar goes to
    ``<config>/avatars/profile-<number>``."""
    with state.locked(ctx.config_dir):
        account = state.find_account(ctx.config_dir, ctx.account["number"])
        for key in ("givenName", "familyName", "about", "aboutEmoji"):
            if params.get(key) is not None:
                account["profile"][key] = params[key]
        account["profile"]["lastUpdateTimestamp"] = state.now_ms()
        recipients.update_profile_avatar(ctx.config_dir, account, params.get("avatar"), params.get("removeAvatar"))
        state.save_account(ctx.config_dir, account)


@command("startLink", scope="multi", extra={"rpc_only": True})
def start_link(ctx: Context, params: dict) -> dict:
    return {"deviceLinkUri": links.new_link(ctx.config_dir, None)}


@command("finishLink", scope="multi", typed=("deviceLinkUri", "deviceName"), extra={"rpc_only": True}, options=[
    Opt(("--device-link-uri",)),
    Opt(("--device-name",)),
])
def finish_link(ctx: Context, params: dict) -> dict:
    uri = params.get("deviceLinkUri")
    if not uri:
        raise UserError("Missing deviceLinkUri.")
    if links.parse_uri(uri) is None:
        raise UserError("Invalid device link uri.")
    name = params.get("deviceName") or "cli"
    links.set_name(ctx.config_dir, uri, name)
    number = links.wait(ctx.config_dir, uri, links.link_timeout(ctx.config_dir))
    links.name_device(ctx.config_dir, number, name)
    return {"number": number}
