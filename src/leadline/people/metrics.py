"""Developer-experience scores as Ibis expressions (one definition for DuckDB and Spark).

Per team, calendar quarter (UTC) and dimension: respondents (distinct respondent ids), the mean
answer, the favourable share (answers of 4 or 5 over all answers) and the change against the
team's previous quarter. A group with fewer respondents than the threshold (default 5) is
*suppressed*: it keeps its key but shows no respondents, mean, favourable share or trend.

The organisation's row per quarter and dimension must not reveal a suppressed group by
difference (organisation minus the shown teams). So it counts the shown teams' answers, plus
the suppressed teams' answers only when those teams together have at least the threshold of
respondents; otherwise they are left out and the row says how many respondents it covers.
"""

from __future__ import annotations

import ibis
from ibis import _

MIN_RESPONDENTS = 5
FAVOURABLE = 4
ORGANISATION = "(organisation)"


def _with_quarter(responses: ibis.Table) -> ibis.Table:
    year, quarter = responses.submitted_at.year(), responses.submitted_at.quarter()
    return responses.mutate(
        quarter_index=(year * 4 + quarter - 1).cast("int64"),
        quarter=year.cast("string").concat("Q", quarter.cast("string")),
    )


def _scores(grouped: ibis.expr.types.GroupedTable) -> ibis.Table:
    return grouped.aggregate(
        respondents=_.respondent_id.nunique().cast("int64"),
        answers=_.count().cast("int64"),
        mean=_.answer.cast("float64").mean(),
        favourable=(_.answer >= FAVOURABLE).cast("float64").mean(),
    )


def _suppress(scores: ibis.Table, min_respondents: int) -> ibis.Table:
    shown = scores.respondents >= min_respondents
    null_int, null_float = ibis.null("int64"), ibis.null("float64")
    return scores.mutate(
        suppressed=~shown,
        respondents=ibis.ifelse(shown, scores.respondents, null_int),
        answers=ibis.ifelse(shown, scores.answers, null_int),
        mean=ibis.ifelse(shown, scores.mean, null_float),
        favourable=ibis.ifelse(shown, scores.favourable, null_float),
    )


def _trend(scores: ibis.Table, keys: list[str]) -> ibis.Table:
    """Add the previous quarter's mean (when shown) and the change since."""
    previous = scores.select(
        *[scores[k].name(f"prev_{k}") for k in keys],
        prev_index=scores.quarter_index + 1,
        previous_mean=scores.mean,
    )
    conditions = [scores[k] == previous[f"prev_{k}"] for k in keys]
    conditions.append(scores.quarter_index == previous.prev_index)
    joined = scores.left_join(previous, conditions)
    return joined.select(
        *[scores[k] for k in (*keys, "quarter", "quarter_index")],
        "respondents",
        "answers",
        "mean",
        "favourable",
        "suppressed",
        "previous_mean",
        change=joined.mean - joined.previous_mean,
    )


def team_scores(responses: ibis.Table, *, min_respondents: int = MIN_RESPONDENTS) -> ibis.Table:
    """Per team, quarter and dimension: respondents, mean, favourable share, change since the
    previous quarter; groups under ``min_respondents`` suppressed."""
    rows = _with_quarter(responses)
    scores = _scores(rows.group_by("team", "quarter", "quarter_index", "dimension"))
    return _trend(_suppress(scores, min_respondents), ["team", "dimension"])


def organisation_scores(
    responses: ibis.Table, *, min_respondents: int = MIN_RESPONDENTS
) -> ibis.Table:
    """Per quarter and dimension over the whole organisation, leaking no suppressed group."""
    rows = _with_quarter(responses)
    keys = ["quarter_index", "dimension"]
    per_team = rows.group_by("team", *keys).aggregate(n=_.respondent_id.nunique())
    per_team = per_team.mutate(small=per_team.n < min_respondents)
    small = (
        per_team.filter(per_team.small)
        .group_by(keys)
        .aggregate(small_total=_.n.sum())
        .rename(small_quarter="quarter_index", small_dimension="dimension")
    )
    flagged = per_team.left_join(
        small,
        [
            per_team.quarter_index == small.small_quarter,
            per_team.dimension == small.small_dimension,
        ],
    )
    flagged = flagged.select(
        team=flagged.team,
        f_quarter=flagged.quarter_index,
        f_dimension=flagged.dimension,
        included=~flagged.small | (flagged.small_total.fill_null(0) >= min_respondents),
    )
    kept = rows.join(
        flagged,
        [
            rows.team == flagged.team,
            rows.quarter_index == flagged.f_quarter,
            rows.dimension == flagged.f_dimension,
        ],
    ).filter(_.included)
    scores = _scores(kept.group_by("quarter", "quarter_index", "dimension"))
    scores = _suppress(scores, min_respondents).mutate(team=ibis.literal(ORGANISATION))
    return _trend(scores, ["team", "dimension"])
