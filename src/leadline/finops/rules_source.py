"""``allocation-rules``: the rule set as YAML (``kind: AllocationRules``); every ingest adds a
version and the newest is in force. Rules are checked against the catalog at ingest (an unknown
team or service is a warning: the catalog may gain it later; until then its cost is
unallocated)."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.models import Service, Team
from leadline.finops.models import AllocationRuleSet
from leadline.finops.rules import AllocationRules, Target, parse_rules
from leadline.ingest.files import YamlDocument, decode_utf8, load_yaml_documents
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.store.base import utcnow

TEMPLATE = """\
# Allocation rules: leadline ingest allocation-rules FILE.yaml (the newest version is in force).
# The first rule whose conditions all hold allocates a cost line. Conditions: provider,
# publisher, invoice_issuer, service_name, service_category, sub_account_id,
# billing_account_id, resource_id, resource_type, region_id, charge_category, gl_account,
# cost_center, cost_pool (values or globs with * and ?), tags (tag: value or glob) and
# tags_missing (none of these tags set). Without any rules, the default rule is in force:
# the tag team names a catalog team (the tag-team rule below).
apiVersion: leadline.io/v1
kind: AllocationRules
metadata:
  name: allocation
spec:
  virtual_tags:                              # optional: derived tags, usable like real ones
    - key: env                               # (in later rules, and showback --by tag:env)
      values:                                # first match wins...
        - {value: production, match: {sub_account_id: "1111*"}}
      from_tags: [env, Environment]          # ...else the first of these set...
      aliases: {prd: production, prod: production}   # (keys case-insensitive)
      default: unknown                       # ...else this
  rules:
    - name: payments-tagged
      match: {tags: {team: payments}}
      to: {team: payments}
    - name: tag-team                         # the team the tag team names (any case)
      to: {team: {tag: team, aliases: {pay: payments}}}   # unknown values: unallocated
    - name: checkout-account
      match: {sub_account_id: "1111*"}
      to: {service: checkout-api}          # the service's owner team pays
    - name: untagged
      match: {tags_missing: [team]}
      shared: platform                      # split below
  shared:
    - name: platform
      split: proportional                   # even | proportional | driver
      # driver: active_users                # with split: driver
      # among: [payments, search]           # default: every team with direct cost
  towers:                                    # optional; default: by ServiceCategory
    - match: {service_name: "Amazon Bedrock"}
      tower: Platform
      sub_tower: AI and Machine Learning
  rates:                                     # chargeback multipliers (1.05 = +5 %)
    default: 1.0
    towers: {Compute: 1.05}
"""


def parse_rule_document(doc: YamlDocument) -> AllocationRules | Problem:
    try:
        return parse_rules(doc.content)
    except ValidationError as error:
        first = error.errors()[0]
        location = "spec." + ".".join(str(p) for p in first["loc"])
        reason = first["msg"].removeprefix("Value error, ")
        more = len(error.errors()) - 1
        if more:
            reason += f" (and {more} more problems in this document)"
        value = first.get("input") if first["type"] != "missing" else None
        return Problem(
            doc.file,
            reason,
            doc.index,
            location.rstrip("."),
            value if isinstance(value, str | int | float) else None,
            "error",
            doc.content,
        )
    except ValueError as error:
        return Problem(doc.file, str(error), doc.index, "kind", None, "error", doc.content)


def catalog_warnings(session: Session, file: str, rules: AllocationRules) -> list[Problem]:
    teams = set(session.scalars(select(Team.name)))
    services = set(session.scalars(select(Service.name)))
    out = []
    for index, rule in enumerate(rules.rules):
        target = rule.to
        if target is None:
            continue
        if target.from_tag is not None:
            known = teams if target.kind == "team" else services
            out += _alias_warnings(file, index, rule.name, target, known)
            continue
        if target.team is not None and target.team not in teams:
            field, name, kind = "team", target.team, "team"
        elif target.service is not None and target.service not in services:
            field, name, kind = "service", target.service, "service"
        else:
            continue
        out.append(
            Problem(
                file,
                f"rule {rule.name}: the catalog has no {kind} {name!r}; its cost stays "
                "unallocated until it does",
                None,
                f"spec.rules.{index}.to.{field}",
                name,
                "warning",
                None,
                f"rule:{rule.name}",
            )
        )
    for pool in rules.shared:
        for name in pool.among:
            if name not in teams:
                out.append(
                    Problem(
                        file,
                        f"shared pool {pool.name}: the catalog has no team {name!r}",
                        None,
                        "spec.shared",
                        name,
                        "warning",
                        None,
                        f"pool:{pool.name}",
                    )
                )
    return out


def _alias_warnings(
    file: str, index: int, rule: str, target: Target, names: set[str]
) -> list[Problem]:
    """Aliases of a tag-value rule that name nothing in the catalog (case-insensitively)."""
    assert target.from_tag is not None
    known = {n.lower() for n in names}
    return [
        Problem(
            file,
            f"rule {rule}: alias {alias!r} names {name!r}, which is no {target.kind} of the "
            "catalog; its cost stays unallocated until it is",
            None,
            f"spec.rules.{index}.to.{target.kind}.aliases",
            name,
            "warning",
            None,
            f"rule:{rule}",
        )
        for alias, name in sorted(target.from_tag.aliases.items())
        if name.lower() not in known
    ]


@register
class AllocationRulesSource(Source):
    name = "allocation-rules"
    summary = "FinOps allocation rules, shared-cost pools, TBM towers and chargeback rates (YAML)"

    def templates(self) -> list[Template]:
        return [Template("allocation-rules.yaml", TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        try:
            text = decode_utf8(input_file.name, input_file.data)
        except InputError as error:  # nothing to land, but land still runs: an empty list
            return Parsed(records=[], problems=[error.problem])
        records: list[tuple[YamlDocument, AllocationRules]] = []
        problems: list[Problem] = []
        read = 0
        for item in load_yaml_documents(input_file.name, text):
            read += 1  # a document the loader refused is read and rejected
            if isinstance(item, Problem):
                problems.append(item)
                continue
            parsed = parse_rule_document(item)
            if isinstance(parsed, Problem):
                problems.append(parsed)
            else:
                records.append((item, parsed))
        if len(records) > 1:
            problems.append(
                Problem(
                    input_file.name,
                    "one AllocationRules document per file, please",
                    records[1][0].index,
                )
            )
            records = records[:1]
        return Parsed(rows_read=read, records=records, problems=problems)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        problems: list[Problem] = []
        for doc, rules in parsed.records:
            name = (doc.content.get("metadata") or {}).get("name") or "allocation"
            ctx.session.add(
                AllocationRuleSet(
                    name=str(name),
                    document=rules.model_dump(mode="json"),
                    rules=len(rules.rules),
                    loaded_at=utcnow(),
                    batch_id=ctx.batch.id,
                )
            )
            problems += catalog_warnings(ctx.session, doc.file, rules)
        return problems


def active_rules(session: Session) -> AllocationRules | None:
    """The rule set in force: the newest version."""
    row = session.scalar(select(AllocationRuleSet).order_by(AllocationRuleSet.id.desc()).limit(1))
    return None if row is None else AllocationRules.model_validate(row.document)
