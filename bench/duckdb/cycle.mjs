// The DuckDB side of bench/run.sh: the same work as benchlearn's cycle, done
// the way a coordinator with a laptop would do it — load the very input
// files (register, indicator rows, survey answers), compute every provider's
// indicator values (SPEC section 4), the statistics and the positions of
// both peer groups (SPEC section 5), export them as CSV — and then check the
// result against benchlearn's own export to 1e-9.
//
// Bench only: run by bench/run.sh with Node and the @duckdb/node-api package
// installed in this folder; never a runtime dependency of benchlearn.
//
//   node cycle.mjs DATA_DIR CATALOGUE.json OUT_DIR [BL_EXPORT_DIR]
//
// CATALOGUE.json is the catalogue as JSON (bench/run.sh converts the YAML);
// BL_EXPORT_DIR holds benchlearn's stats-PERIOD.csv and positions-PERIOD.csv.
// Prints one line `key=value ...` per phase and check on stdout.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

const [dataDir, catPath, outDir, blDir] = process.argv.slice(2);
if (!dataDir || !catPath || !outDir) {
    console.error('usage: node cycle.mjs DATA_DIR CATALOGUE.json OUT_DIR ' +
                  '[BL_EXPORT_DIR]');
    process.exit(1);
}
const cat = JSON.parse(fs.readFileSync(catPath, 'utf8'));
const MIN_RESPONDENTS = 5;
const MIN_PEERS = 5;
const threads = process.env.BL_DUCKDB_THREADS || '2';

const q = (s) => "'" + String(s).replaceAll("'", "''") + "'";
const now = () => Number(process.hrtime.bigint()) / 1e9;
function delimOf(file) {
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    const head = buf.subarray(0, n).toString('utf8').split('\n')[0];
    return head.includes(';') ? ';' : ',';
}
// Files of one kind grouped by delimiter: one read_csv per group.
function groups(prefix) {
    const by = new Map();
    for (const f of fs.readdirSync(dataDir).sort()) {
        if (!f.startsWith(prefix) || !f.endsWith('.csv')) {
            continue;
        }
        const full = path.join(dataDir, f);
        const d = delimOf(full);
        if (!by.has(d)) {
            by.set(d, []);
        }
        by.get(d).push(full);
    }
    return by;
}
function readCsv(files, delim, columns) {
    const cols = Object.entries(columns).map(([k, v]) => `${q(k)}: ${q(v)}`)
        .join(', ');
    return `read_csv([${files.map(q).join(', ')}], delim=${q(delim)}, ` +
        `header=true, quote='"', nullstr=['', 'NA', 'na', 'Na', 'nA'], ` +
        `decimal_separator=${q(delim === ';' ? ',' : '.')}, ` +
        `columns={${cols}})`;
}

const inst = await DuckDBInstance.create(':memory:', { threads });
const con = await inst.connect();
const run = (sql) => con.run(sql);
const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjects();

// ---- load ----------------------------------------------------------------
let t0 = now();
await run(`CREATE TABLE reg AS SELECT * FROM read_csv(${q(path.join(dataDir,
    'register.csv'))}, header=true, all_varchar=true)`);
const indParts = [];
for (const [d, files] of groups('indicators-')) {
    indParts.push(`SELECT * FROM ${readCsv(files, d, {
        provider_id: 'VARCHAR', unit_id: 'VARCHAR', period: 'INTEGER',
        indicator_id: 'VARCHAR', numerator: 'DOUBLE', denominator: 'DOUBLE',
        value: 'DOUBLE' })}`);
}
await run(`CREATE TABLE ind AS ${indParts.join(' UNION ALL ')}`);
// Survey answers, long: one row per respondent and answered item.
const ansParts = [];
for (const [sid, s] of Object.entries(cat.surveys)) {
    const items = Object.keys(s.items);
    const cols = { provider_id: 'VARCHAR', unit_id: 'VARCHAR',
                   period: 'INTEGER', survey: 'VARCHAR',
                   respondent_id: 'VARCHAR' };
    for (const it of items) {
        cols[it] = 'INTEGER';
    }
    for (const [d, files] of groups(`survey-${sid}-`)) {
        ansParts.push(`SELECT provider_id, unit_id, period, survey,
              respondent_id, item, answer
            FROM (UNPIVOT ${readCsv(files, d, cols)}
                  ON ${items.map((i) => `"${i}"`).join(', ')}
                  INTO NAME item VALUE answer)`);
    }
}
await run(`CREATE TABLE ans AS ${ansParts.join(' UNION ALL ')}`);
const tLoad = now() - t0;

// ---- compute -------------------------------------------------------------
t0 = now();
const defs = [];
const items = [];
for (const i of cat.indicators) {
    const range = i.range || [null, null];
    defs.push(`(${q(i.id)}, ${q(i.kind)}, ${i.factor ?? 1}, ` +
        `${range[0] ?? 'NULL'}, ${range[1] ?? 'NULL'}, ${q(i.direction)}, ` +
        `${q(i.survey ?? '')}, ${i.threshold ?? 'NULL'})`);
    for (const it of i.items || []) {
        items.push(`(${q(i.id)}, ${q(it)})`);
    }
}
await run(`CREATE TABLE def (indicator_id VARCHAR, kind VARCHAR,
    factor DOUBLE, lo DOUBLE, hi DOUBLE, direction VARCHAR, survey VARCHAR,
    threshold DOUBLE)`);
await run(`INSERT INTO def VALUES ${defs.join(', ')}`);
await run(`CREATE TABLE def_item (indicator_id VARCHAR, item VARCHAR)`);
await run(`INSERT INTO def_item VALUES ${items.join(', ')}`);
// Provider values (SPEC 4): a ratio from the provider's own row, else the
// sums over its units; value and steps from the provider's own row; survey
// indicators pooled over all respondents of the provider.
await run(`CREATE TABLE pv AS
WITH ok AS (
  SELECT i.*, d.kind, d.factor FROM ind i JOIN def d USING (indicator_id)
  WHERE (d.kind <> 'ratio' OR (i.denominator > 0 AND
         NOT (d.hi IS NOT NULL AND d.hi <= d.factor
              AND i.numerator > i.denominator)))),
ratio AS (
  SELECT period, provider_id, indicator_id,
    CASE WHEN count(*) FILTER (WHERE unit_id IS NULL) > 0
      THEN max(numerator / denominator * factor) FILTER (WHERE unit_id IS NULL)
      ELSE sum(numerator) / sum(denominator) * max(factor) END AS value
  FROM ok WHERE kind = 'ratio' GROUP BY ALL),
plain AS (
  SELECT period, provider_id, indicator_id, value FROM ok
  WHERE kind IN ('value', 'steps') AND unit_id IS NULL
    AND value IS NOT NULL),
survey AS (
  SELECT a.period, a.provider_id, di.indicator_id,
    CASE WHEN d.kind = 'survey_share'
      THEN 100.0 * count(*) FILTER (WHERE a.answer >= d.threshold) / count(*)
      ELSE avg(a.answer) END AS value,
    count(DISTINCT a.respondent_id) AS n
  FROM ans a JOIN def_item di ON di.item = a.item
  JOIN def d ON d.indicator_id = di.indicator_id AND d.survey = a.survey
  WHERE a.answer IS NOT NULL GROUP BY a.period, a.provider_id,
    di.indicator_id, d.kind)
SELECT * FROM ratio UNION ALL SELECT * FROM plain
UNION ALL SELECT period, provider_id, indicator_id, value FROM survey
  WHERE n >= ${MIN_RESPONDENTS}`);
await run(`CREATE TABLE gv AS
  SELECT p.period, p.indicator_id, 'national' AS grp,
         r.country || '/' || r.service_type AS group_key, p.provider_id,
         p.value
  FROM pv p JOIN reg r USING (provider_id)
  UNION ALL
  SELECT p.period, p.indicator_id, 'international', r.service_type,
         p.provider_id, p.value
  FROM pv p JOIN reg r USING (provider_id)`);
await run(`CREATE TABLE st AS
  SELECT period, indicator_id, grp, group_key, n, mean, sd, min,
         q[1] AS p10, q[2] AS p25, q[3] AS p50, q[4] AS p75, q[5] AS p90,
         max,
         CASE WHEN direction = 'lower' THEN q[1] ELSE q[5] END AS best
  FROM (SELECT period, indicator_id, grp, group_key, count(*) AS n,
               avg(value) AS mean, stddev_samp(value) AS sd,
               min(value) AS min, max(value) AS max,
               quantile_cont(value, [0.1, 0.25, 0.5, 0.75, 0.9]) AS q
        FROM gv GROUP BY ALL HAVING count(*) >= ${MIN_PEERS})
  JOIN def USING (indicator_id)`);
// Ties as SPEC 5 defines them: a equals x when |a - x| <= 1e-9 |x|, so a
// tie group starts where a value is more than that above the one before
// (both windows in one order, so that every row of a tie gets its group).
await run(`CREATE TABLE pos AS
  WITH o AS (
    SELECT *, lag(value) OVER (PARTITION BY period, indicator_id, grp,
                               group_key ORDER BY value, provider_id) AS prev
    FROM gv),
  g AS (
    SELECT *, sum(CASE WHEN prev IS NULL OR value - prev > 1e-9 * abs(prev)
                       THEN 1 ELSE 0 END)
              OVER (PARTITION BY period, indicator_id, grp, group_key
                    ORDER BY value, provider_id ROWS UNBOUNDED PRECEDING)
              AS tg
    FROM o),
  w AS (
    SELECT *, rank() OVER (PARTITION BY period, indicator_id, grp, group_key
                           ORDER BY tg) - 1 AS lt,
           count(*) OVER (PARTITION BY period, indicator_id, grp, group_key,
                          tg) AS eq
    FROM g)
  SELECT w.period, w.indicator_id, w.grp, w.group_key, w.provider_id,
         w.value, s.n,
         100.0 * (CASE WHEN d.direction = 'lower' THEN s.n - w.lt - w.eq
                       ELSE w.lt END + 0.5 * w.eq) / s.n AS prank,
         CASE WHEN d.direction = 'lower' THEN
                CASE WHEN w.value <= s.p25 + 1e-9 * abs(s.p25) THEN 4
                     WHEN w.value <= s.p50 + 1e-9 * abs(s.p50) THEN 3
                     WHEN w.value <= s.p75 + 1e-9 * abs(s.p75) THEN 2
                     ELSE 1 END
              ELSE
                CASE WHEN w.value >= s.p75 - 1e-9 * abs(s.p75) THEN 4
                     WHEN w.value >= s.p50 - 1e-9 * abs(s.p50) THEN 3
                     WHEN w.value >= s.p25 - 1e-9 * abs(s.p25) THEN 2
                     ELSE 1 END
         END AS band,
         CASE WHEN s.max - s.min <= 1e-9 * abs(s.min) THEN NULL
              WHEN d.direction = 'lower' THEN (s.mean - w.value) / s.sd
              ELSE (w.value - s.mean) / s.sd END AS z
  FROM w
  JOIN st s USING (period, indicator_id, grp, group_key)
  JOIN def d USING (indicator_id)`);
const tCompute = now() - t0;

// ---- export --------------------------------------------------------------
t0 = now();
fs.mkdirSync(outDir, { recursive: true });
await run(`COPY (SELECT * FROM st ORDER BY ALL) TO
    ${q(path.join(outDir, 'stats.csv'))} (HEADER, DELIMITER ',')`);
await run(`COPY (SELECT * FROM pos ORDER BY ALL) TO
    ${q(path.join(outDir, 'positions.csv'))} (HEADER, DELIMITER ',')`);
const tExport = now() - t0;
const counts = (await rows(`SELECT (SELECT count(*) FROM ans) AS answers,
    (SELECT count(*) FROM ind) AS indicator_rows,
    (SELECT count(*) FROM st) AS stats, (SELECT count(*) FROM pos) AS pos`))[0];
console.log(`load=${tLoad.toFixed(2)} compute=${tCompute.toFixed(2)} ` +
    `export=${tExport.toFixed(2)} ` +
    `total=${(tLoad + tCompute + tExport).toFixed(2)} ` +
    `answers=${counts.answers} indicator_rows=${counts.indicator_rows} ` +
    `stats_rows=${counts.stats} positions_rows=${counts.pos}`);

// ---- check against benchlearn's export (SPEC 5: equal within 1e-9) -------
if (blDir) {
    const stats = fs.readdirSync(blDir).filter((f) => /^stats.*\.csv$/.test(f))
        .map((f) => path.join(blDir, f));
    const poss = fs.readdirSync(blDir)
        .filter((f) => /^positions.*\.csv$/.test(f))
        .map((f) => path.join(blDir, f));
    const rc = (files) => `read_csv([${files.map(q).join(', ')}],
        header=true, all_varchar=false, nullstr='')`;
    await run(`CREATE TABLE bs AS SELECT * FROM ${rc(stats)}
        WHERE "group" IN ('national', 'international')`);
    await run(`CREATE TABLE bp AS SELECT * FROM ${rc(poss)}
        WHERE "group" IN ('national', 'international')`);
    const ne = (a, b) => `(coalesce(abs(${a} - ${b}) > 1e-9 * abs(${b}) + 1e-12,
        (${a} IS NULL) <> (${b} IS NULL)))`;
    const s = (await rows(`SELECT
      (SELECT count(*) FROM st WHERE period IN (SELECT period FROM bs))
        AS duck, (SELECT count(*) FROM bs) AS bl, count(b.n) AS matched,
      count(*) FILTER (WHERE ${ne('d.mean', 'b.mean')} OR ${ne('d.sd', 'b.sd')}
        OR ${ne('d.p10', 'b.p10')} OR ${ne('d.p25', 'b.p25')}
        OR ${ne('d.p50', 'b.p50')} OR ${ne('d.p75', 'b.p75')}
        OR ${ne('d.p90', 'b.p90')} OR ${ne('d.min', 'b.min')}
        OR ${ne('d.max', 'b.max')} OR d.n <> b.n) AS differ
      FROM st d JOIN bs b ON b.period = d.period
        AND b.indicator_id = d.indicator_id AND b."group" = d.grp
        AND coalesce(b.group_key, '') = d.group_key`))[0];
    const p = (await rows(`SELECT
      (SELECT count(*) FROM pos WHERE period IN (SELECT period FROM bp))
        AS duck, (SELECT count(*) FROM bp) AS bl, count(*) AS matched,
      count(*) FILTER (WHERE ${ne('d.value', 'b.value')}
        OR ${ne('d.prank', 'b.percentile_rank')} OR d.band <> b.band
        OR ${ne('d.z', 'b.z')} OR d.n <> b.n) AS differ
      FROM pos d JOIN bp b ON b.period = d.period
        AND b.indicator_id = d.indicator_id AND b."group" = d.grp
        AND coalesce(b.group_key, '') = d.group_key
        AND b.provider_id = d.provider_id`))[0];
    const equal = s.duck === s.bl && s.matched === s.bl && s.differ === 0n &&
        p.duck === p.bl && p.matched === p.bl && p.differ === 0n;
    console.log(`check stats_duck=${s.duck} stats_bl=${s.bl} ` +
        `stats_matched=${s.matched} stats_differ=${s.differ} ` +
        `positions_duck=${p.duck} positions_bl=${p.bl} ` +
        `positions_matched=${p.matched} positions_differ=${p.differ} ` +
        `equal=${equal ? 'yes' : 'NO'}`);
}
