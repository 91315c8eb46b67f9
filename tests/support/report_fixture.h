/*
 * report_fixture: a fake provider report, filled the way the report glue
 * code fills report_model, for tests of the renderers (HTML, PDF, CSV,
 * JSON) that need no node, store or daemon.
 *
 * It is test scaffolding, not sample data: the figures are made up to reach
 * every branch of the renderers (bands 1, 3 and 4, a suppressed survey, a
 * group with too few peers, a named and an anonymous learning partner,
 * units), not to be consistent with SPEC section 5.
 */
#ifndef REPORT_FIXTURE_H
#define REPORT_FIXTURE_H

struct report_provider;

/* A residential care provider in Norway, "Bergen <Care> & Co \"AS\""
 * (NO-bergen-01, period 2025, previous period present), with five
 * indicators in this order:
 *   RES-02 "Individual-plan goals achieved" 71.4% (50 / 70; 66.0% in 2024),
 *          national: rank 72 of 48 (61 in 2024), band 3, reference 80,
 *          gap 8.6; international: too few peers (3); learning curve
 *          in "national": 2023 60.0 (rank 40, band 2, median 65.0), 2024
 *          66.0 (61, 3, 68.0), 2025 71.4 (72, 3, 63.5);
 *   RES-01 "Overall user satisfaction": suppressed, 3 respondents;
 *   STA-02 "Sickness absence" 9.5%, lower is better, band 1 in both groups;
 *   STA-07 "Staff engagement index" 4.31 (1–5, 57 respondents), band 4;
 *   LEA-01 "Plan objectives achieved" 80.0%, band 3.
 * Areas for improvement: STA-02 (partners: "Oslo Omsorg" named, and an
 * anonymous one in PT), then RES-02.  Strength: STA-07.  Units "north" and
 * "south".
 *
 * The caller owns the result (report_provider_destroy).  Never NULL: out of
 * memory aborts, which fails the test that asked. */
struct report_provider *report_fixture_provider(void);

#endif
