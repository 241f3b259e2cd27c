"""Policy checks: every shared policy block, and every fact in it, is in effect for at least one rule."""

from __future__ import annotations

from lcdkb.checks import check

NOT_FACTS = ("title", "sources")


@check(
    "LCD036",
    "policy-in-use",
    "Each policy block is used by a rule, and each of its facts is in effect for at least one of those rules "
    "(not overridden by all).",
)
def policy_in_use(ctx, report):
    for data_file in ctx.payers:
        users_of = _rules_by_policy(data_file.data["rules"])
        for name, policy in data_file.data.get("policies", {}).items():
            users = users_of.get(name, [])
            if not users:
                report(
                    data_file,
                    ("policies", name),
                    f"policy '{name}' is not used by any rule",
                    f"add 'policy: {name}' to the rules it applies to, or delete the block",
                )
                continue
            for fact in policy:
                if fact not in NOT_FACTS and all(fact in r for r in users):
                    report(
                        data_file,
                        ("policies", name, fact),
                        f"'{fact}' in policy '{name}' is replaced by every rule that uses the policy, "
                        "so it never applies",
                        f"delete it from the policy, or remove '{fact}' from the rules that should inherit it",
                        key=True,
                    )


def _rules_by_policy(rules: list[dict]) -> dict[str, list[dict]]:
    """Rules grouped by the policy they name, in one pass (not one pass over all rules per policy)."""
    users: dict[str, list[dict]] = {}
    for rule in rules:
        if "policy" in rule:
            users.setdefault(rule["policy"], []).append(rule)
    return users
