/*
 * bl-gen-sample: writes realistic, clean sample input files in the formats
 * of SPEC sections 2 and 10 — one register, indicator data and survey
 * responses per country and period, improvement actions for every period
 * but the last, and practices per country and period — from a fixed seed,
 * following the synthetic distributions of DOMAIN.md.
 *
 * Output is byte-identical across machines for a seed: the generator uses
 * its own PRNG (xoshiro256** seeded by splitmix64), draws normals from
 * integer sums (Irwin-Hall) and computes exp() with plain IEEE arithmetic,
 * so no libm approximation leaks into the files. Every provider, period and
 * kind of draw has its own random stream, so any file can be written on its
 * own and rows are produced one at a time (nothing is held in memory but
 * the row being written): --bench writes tens of millions of rows.
 *
 * It deliberately is not a fault injector: every row it writes is valid.
 * Tests that need bad input write their own.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define GEN_MAX_COUNTRIES 32
#define GEN_MAX_PERIODS 16
#define GEN_MAX_UNITS 4
#define GEN_BENCH_PROVIDERS 50000u
#define GEN_BENCH_SURVEY_ROWS 5.0e6
#define GEN_OUT_BUF (1u << 16)

/* ---------------------------------------------------------------------------
 * Random numbers: xoshiro256** with splitmix64 seeding, and draws built on
 * IEEE-exact operations only.
 */

typedef struct {
    uint64_t s[4];
} gen_rng_t;

static uint64_t s_mix64(uint64_t z)
{
    /* splitmix64's finaliser: a bijection on 64-bit words. */
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t s_splitmix(uint64_t *x)
{
    *x += UINT64_C(0x9e3779b97f4a7c15);
    return s_mix64(*x);
}

static uint64_t s_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t s_next(gen_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = s_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s_rotl(s[3], 45);
    return result;
}

/* Kinds of draw: each has its own stream per provider and period. */
enum {
    TAG_PROVIDER = 1,
    TAG_NAME,
    TAG_BASICS,
    TAG_SKIP,
    TAG_SMALL,
    TAG_RESPONSE = 8,    /* + survey */
    TAG_SCALE = 12,      /* + survey */
    TAG_QUALITY = 16,    /* + survey */
    TAG_RESPONDENTS = 32, /* + survey */
    TAG_STEPS = 64,  /* + steps indicator */
    TAG_VALUE = 96,  /* + value indicator */
    TAG_UNITS = 128, /* + ratio indicator */
    TAG_RATIO = 256, /* + ratio indicator */
    TAG_ACTION = 1024,
    TAG_PRACTICE = 1025
};

static void s_rng_init(gen_rng_t *r, uint64_t seed, unsigned tag,
                       unsigned country, unsigned provider, unsigned year)
{
    uint64_t k = s_mix64(seed ^ UINT64_C(0x6a09e667f3bcc909));
    k = s_mix64(k ^ ((uint64_t)tag * UINT64_C(0xbb67ae8584caa73b)));
    k = s_mix64(k ^ ((uint64_t)country * UINT64_C(0x3c6ef372fe94f82b)));
    k = s_mix64(k ^ ((uint64_t)provider * UINT64_C(0xa54ff53a5f1d36f1)));
    k = s_mix64(k ^ ((uint64_t)year * UINT64_C(0x510e527fade682d1)));
    for (int i = 0; i < 4; i++) {
        r->s[i] = s_splitmix(&k);
    }
}

/* Uniform in [0, 1). */
static double s_unif(gen_rng_t *r)
{
    return (double)(s_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [lo, hi]. */
static unsigned s_uint(gen_rng_t *r, unsigned lo, unsigned hi)
{
    return lo + (unsigned)(s_unif(r) * (double)(hi - lo + 1));
}

/* Standard normal by the sum of twelve 16-bit uniforms: exact integer
 * arithmetic, tails cut at +-6 sd, which synthetic data does not miss. */
static double s_normal(gen_rng_t *r)
{
    int64_t sum = 0;
    for (int w = 0; w < 3; w++) {
        uint64_t x = s_next(r);
        for (int i = 0; i < 4; i++) {
            sum += (int64_t)((x >> (16 * i)) & 0xffff);
        }
    }
    return ((double)sum + 6.0) / 65536.0 - 6.0;
}

/* exp() by range reduction and a Taylor series: only +, *, / and ldexp,
 * so every IEEE machine gets the same bits. */
static double s_exp(double x)
{
    const double ln2 = 0.6931471805599453;
    if (x < -700.0) {
        return 0.0;
    }
    if (x > 700.0) {
        x = 700.0;
    }
    double k = floor(x / ln2 + 0.5);
    double red = x - k * ln2;
    double term = 1.0;
    double sum = 1.0;
    for (int i = 1; i < 22; i++) {
        term = term * red / (double)i;
        sum += term;
    }
    return ldexp(sum, (int)k);
}

static double s_lognormal(gen_rng_t *r, double median, double sigma)
{
    return median * s_exp(sigma * s_normal(r));
}

static unsigned s_poisson(gen_rng_t *r, double lambda)
{
    if (lambda <= 0.0) {
        return 0;
    }
    if (lambda > 30.0) {
        double x = floor(lambda + sqrt(lambda) * s_normal(r) + 0.5);
        return x < 0.0 ? 0u : (unsigned)x;
    }
    double limit = s_exp(-lambda);
    double p = 1.0;
    unsigned k = 0;
    for (;;) {
        p *= s_unif(r);
        if (p <= limit) {
            return k;
        }
        k++;
    }
}

static unsigned s_binomial(gen_rng_t *r, unsigned n, double p)
{
    if (n > 2000) {
        double mu = n * p;
        double x = floor(mu + sqrt(mu * (1.0 - p)) * s_normal(r) + 0.5);
        if (x < 0.0) {
            return 0;
        }
        return x > n ? n : (unsigned)x;
    }
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        k += s_unif(r) < p;
    }
    return k;
}

static double s_clip(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

static int64_t s_round(double x)
{
    return (int64_t)floor(x + 0.5);
}

/* ---------------------------------------------------------------------------
 * Countries, names, service types.
 */

enum { SVC_VR, SVC_RESIDENTIAL, SVC_DAY, SVC_HOME, SVC_COMMUNITY, SVC_N };

static const char *const s_service_code[SVC_N] = {
    "vocational_rehabilitation", "residential_care", "day_services",
    "home_care", "community_services"
};

/* Cumulative shares of the service types among providers. */
static const double s_service_cum[SVC_N] = {0.25, 0.45, 0.65, 0.85, 1.0};

/* Staff per user by service type (residential care is staff-heavy). */
static const double s_service_staffing[SVC_N] = {0.30, 1.00, 0.45, 0.60,
                                                 0.35};

typedef struct {
    const char *code;             /* ISO 3166-1 alpha-2, or NULL: generic */
    char delim;                   /* ';' means decimal commas too */
    double ppp;                   /* cost level against the average */
    double offset;                /* survey latent offset, in sd units */
    const char *const *places;    /* NULL-terminated */
    const char *const (*nouns)[2];  /* two nouns per service type */
    const char *const *templates; /* {P} place, {Q} place, {N} noun */
    const char *const *units;     /* NULL-terminated, at least 4 */
} gen_country_t;

static const char *const s_no_places[] = {
    "Tromsø", "Bodø", "Ålesund", "Lillestrøm", "Sandnessjøen", "Førde",
    "Kristiansand", "Hamar", "Røros", "Mosjøen", "Ørsta", "Drøbak",
    "Åsgårdstrand", "Bærum", "Jørpeland", "Tønsberg", "Sørum", "Bergen",
    "Oslo", "Trondheim", "Stavanger", "Molde", "Gjøvik", "Årdal", NULL
};
static const char *const s_no_nouns[SVC_N][2] = {
    {"arbeidssenter", "vekst og attføring"},
    {"bo- og omsorgssenter", "bofellesskap"},
    {"dagsenter", "aktivitetshus"},
    {"hjemmetjeneste", "hjemmehjelp"},
    {"frivilligsentral", "nærmiljøsenter"},
};
static const char *const s_no_templates[] = {
    "{P} {N}", "{P} {N} AS", "Stiftelsen {P} {N}", "{P} {N}, avd. {Q}",
    NULL
};
static const char *const s_no_units[] = {
    "oslo_east", "oslo_west", "bergen", "site-a", "site-b", "avd.nord",
    "avd.sor", NULL
};

static const char *const s_pt_places[] = {
    "Guimarães", "Alcobaça", "Bragança", "Olhão", "Portimão", "Mação",
    "Santarém", "Setúbal", "Póvoa de Varzim", "Coimbra", "Évora", "Viseu",
    "Leiria", "Gaia", "Amarante", "Barcelos", "Lousã", "Fundão", "Monção",
    "Valença", "Vila do Conde", "Chaves", "Tomar", "Peniche", NULL
};
static const char *const s_pt_nouns[SVC_N][2] = {
    {"Centro de Reabilitação Profissional", "Centro de Formação e Inclusão"},
    {"Lar Residencial", "Casa de Acolhimento"},
    {"Centro de Dia", "Centro de Atividades Ocupacionais"},
    {"Serviço de Apoio Domiciliário", "Apoio ao Domicílio"},
    {"Centro Comunitário", "Associação de Solidariedade Social"},
};
static const char *const s_pt_templates[] = {
    "{N} de {P}", "{N} de {P}, IPSS", "Santa Casa da Misericórdia de {P}",
    "Associação \"Mãos Dadas\" de {P}", "Fundação {Q} – {N}", NULL
};
static const char *const s_pt_units[] = {
    "lisboa", "porto", "braga", "site-a", "site-b", "polo.2", NULL
};

static const char *const s_ee_places[] = {
    "Tallinn", "Tartu", "Pärnu", "Võru", "Põlva", "Jõgeva", "Türi",
    "Viljandi", "Rakvere", "Kärdla", "Haapsalu", "Narva", "Kuressaare",
    "Paide", "Valga", "Jõhvi", "Räpina", "Otepää", "Põltsamaa",
    "Kohtla-Järve", "Elva", "Saue", "Keila", "Sindi", NULL
};
static const char *const s_ee_nouns[SVC_N][2] = {
    {"Tööalase Rehabilitatsiooni Keskus", "Tööhõivekeskus"},
    {"Hooldekodu", "Kodu"},
    {"Päevakeskus", "Päevahoiukeskus"},
    {"Koduteenuste Keskus", "Koduhooldus"},
    {"Sotsiaalkeskus", "Kogukonnakeskus"},
};
static const char *const s_ee_templates[] = {
    "{P} {N}", "SA {P} {N}", "{P} {N}, MTÜ", "{P} {N} „Õnnelaegas”", NULL
};
static const char *const s_ee_units[] = {
    "tallinn", "tartu", "narva", "site-a", "site-b", NULL
};

static const char *const s_lt_places[] = {
    "Vilniaus", "Kauno", "Klaipėdos", "Šiaulių", "Panevėžio", "Alytaus",
    "Marijampolės", "Mažeikių", "Jonavos", "Utenos", "Kėdainių", "Telšių",
    "Tauragės", "Ukmergės", "Visagino", "Plungės", "Kretingos", "Šilutės",
    "Radviliškio", "Druskininkų", NULL
};
static const char *const s_lt_nouns[SVC_N][2] = {
    {"profesinės reabilitacijos centras", "užimtumo centras"},
    {"globos namai", "socialinės globos namai"},
    {"dienos centras", "dienos užimtumo centras"},
    {"pagalbos į namus tarnyba", "slaugos namuose tarnyba"},
    {"bendruomenės centras", "socialinių paslaugų centras"},
};
static const char *const s_lt_templates[] = {
    "{P} {N}", "VšĮ {P} {N}", "{P} {N}, VšĮ", "{P} rajono {N}", NULL
};
static const char *const s_lt_units[] = {
    "vilnius", "kaunas", "klaipeda", "site-a", "site-b", NULL
};

static const char *const s_gen_places[] = {
    "North", "South", "East", "West", "Riverside", "Lakeside", "Hillview",
    "Meadow", "Oakwood", "Harbour", NULL
};
static const char *const s_gen_nouns[SVC_N][2] = {
    {"Work Rehabilitation Centre", "Employment Services"},
    {"Care Home", "Residential Services"},
    {"Day Centre", "Activity Centre"},
    {"Home Care Service", "Home Support"},
    {"Community Services", "Community Centre"},
};
static const char *const s_gen_templates[] = {
    "{P} {N}", "{P} {N}, Ltd", "{N} of {P}", NULL
};
static const char *const s_gen_units[] = {
    "site-a", "site-b", "site-c", "site-d", NULL
};

static const gen_country_t s_countries[] = {
    {"NO", ',', 1.60, 0.16, s_no_places, s_no_nouns, s_no_templates,
     s_no_units},
    {"PT", ';', 0.70, -0.16, s_pt_places, s_pt_nouns, s_pt_templates,
     s_pt_units},
    {"EE", ';', 0.65, -0.08, s_ee_places, s_ee_nouns, s_ee_templates,
     s_ee_units},
    {"LT", ',', 0.60, 0.08, s_lt_places, s_lt_nouns, s_lt_templates,
     s_lt_units},
    {NULL, ',', 1.00, 0.0, s_gen_places, s_gen_nouns, s_gen_templates,
     s_gen_units},
};

static const gen_country_t *s_country_info(const char *code)
{
    size_t n = sizeof s_countries / sizeof s_countries[0];
    for (size_t i = 0; i + 1 < n; i++) {
        if (strcmp(s_countries[i].code, code) == 0) {
            return &s_countries[i];
        }
    }
    return &s_countries[n - 1];
}

static size_t s_count(const char *const *list)
{
    size_t n = 0;
    while (list[n] != NULL) {
        n++;
    }
    return n;
}

/* ---------------------------------------------------------------------------
 * Indicators (DOMAIN.md's table) and surveys.
 */

enum { KIND_RATIO, KIND_VALUE, KIND_STEPS };

typedef struct {
    const char *id;
    int kind;
    double factor; /* ratio: value = numerator / denominator * factor */
    double mean;   /* synthetic mean (for unit noise on special draws) */
    double sd;     /* synthetic sd */
    double lo;     /* lowest value written */
    double hi;     /* highest value written */
    int num_gran;  /* numerator (or value) step, in tenths */
    int den_gran;  /* denominator step, in tenths */
} gen_ind_t;

enum {
    R_LEA01, R_LEA03, R_LEA04, R_LEA05, R_STA01, R_STA02, R_STA03, R_STA04,
    R_STA05, R_RIG01, R_RIG02, R_RIG04, R_ETH02, R_ETH03, R_PSH03, R_PTC03,
    R_PCA01, R_PCA02, R_COM02, R_RES02, R_RES03, R_RES04, R_CIM01, R_CIM03,
    R_N,
    V_PSH01 = R_N, V_PTC02, V_COM01,
    D_FIRST, D_N_ALL = D_FIRST + 6
};

#define GEN_N_IND D_N_ALL

static const gen_ind_t s_ind[GEN_N_IND] = {
    {"LEA-01", KIND_RATIO, 100, 74, 14, 30, 100, 10, 10},
    {"LEA-03", KIND_RATIO, 100, 13, 4, 5, 30, 10, 10},
    {"LEA-04", KIND_RATIO, 1, 8000, 2400, 1000, 100000, 10, 10},
    {"LEA-05", KIND_RATIO, 100, 88, 8, 55, 100, 10, 10},
    {"STA-01", KIND_RATIO, 100, 14, 7, 2, 45, 10, 1},
    {"STA-02", KIND_RATIO, 100, 5.5, 2.2, 1, 15, 5, 10},
    {"STA-03", KIND_RATIO, 1, 22, 10, 2, 70, 5, 1},
    {"STA-04", KIND_RATIO, 100, 82, 14, 0, 100, 10, 10},
    {"STA-05", KIND_RATIO, 100, 70, 15, 0, 100, 10, 10},
    {"RIG-01", KIND_RATIO, 100, 3, 1.5, 0, 100, 10, 10},
    {"RIG-02", KIND_RATIO, 100, 85, 12, 0, 100, 10, 10},
    {"RIG-04", KIND_RATIO, 100, 93, 6, 60, 100, 10, 10},
    {"ETH-02", KIND_RATIO, 100, 78, 16, 0, 100, 10, 10},
    {"ETH-03", KIND_RATIO, 100, 2, 1.5, 0, 100, 10, 10},
    {"PSH-03", KIND_RATIO, 100, 55, 20, 0, 100, 10, 10},
    {"PTC-03", KIND_RATIO, 100, 48, 15, 10, 95, 10, 10},
    {"PCA-01", KIND_RATIO, 100, 88, 10, 0, 100, 10, 10},
    {"PCA-02", KIND_RATIO, 100, 84, 12, 0, 100, 10, 10},
    {"COM-02", KIND_RATIO, 100, 76, 15, 0, 100, 10, 10},
    {"RES-02", KIND_RATIO, 100, 64, 13, 0, 100, 10, 10},
    {"RES-03", KIND_RATIO, 100, 45, 15, 5, 90, 10, 10},
    {"RES-04", KIND_RATIO, 100, 76, 12, 0, 100, 10, 10},
    {"CIM-01", KIND_RATIO, 100, 70, 15, 0, 100, 10, 10},
    {"CIM-03", KIND_RATIO, 100, 82, 11, 0, 100, 10, 10},
    {"PSH-01", KIND_VALUE, 1, 9, 3, 0, 1000, 10, 0},
    {"PTC-02", KIND_VALUE, 1, 5, 2, 0, 1000, 10, 0},
    {"COM-01", KIND_VALUE, 1, 21, 10, 1, 180, 5, 0},
    {"DK-1.1", KIND_STEPS, 1, 0, 0, 0, 4, 10, 0},
    {"DK-1.2", KIND_STEPS, 1, 0, 0, 0, 4, 10, 0},
    {"DK-1.3", KIND_STEPS, 1, 0, 0, 0, 4, 10, 0},
    {"DK-2.1", KIND_STEPS, 1, 0, 0, 0, 4, 10, 0},
    {"DK-2.2", KIND_STEPS, 1, 0, 0, 0, 4, 10, 0},
    {"DK-2.3", KIND_STEPS, 1, 0, 0, 0, 4, 10, 0},
};

enum { SURVEY_USER, SURVEY_STAFF, SURVEY_STAKEHOLDER, SURVEY_N };

typedef struct {
    const char *name;
    int n_items;
    const char *items[7];
    double latent[7];  /* probit of the item's mean share of answers >= 4 */
    double blank[7];   /* probability of an empty answer */
} gen_survey_t;

static const gen_survey_t s_surveys[SURVEY_N] = {
    {"user", 7, {"U1", "U2", "U3", "U4", "U5", "U6", "U7"},
     {1.0803, 1.2265, 0.7063, 0.4677, 0.8416, 0.5828, 1.0364},
     {0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.06}},
    {"staff", 6, {"S1", "S2", "S3", "S4", "S5", "S6"},
     {0.6433, 0.5244, 0.3055, 0.5828, 0.4125, 0.3853},
     {0.02, 0.02, 0.02, 0.02, 0.02, 0.02}},
    {"stakeholder", 6, {"K1", "K2", "K3", "K4", "K5", "K6"},
     {0.8416, 0.5828, 0.7722, 0.6433, 0.4677, 0.8416},
     {0.02, 0.02, 0.02, 0.03, 0.03, 0.02}},
};

/* Share of "NA" (don't know / not applicable) answers. */
#define GEN_NA_SHARE 0.02
/* Within-respondent correlation of the latent answers, loading^2 = 0.68,
 * which leaves about 0.6 between the 1..5 answers once they are cut. */
#define GEN_LOADING 0.8246211251235321
#define GEN_UNIQUE 0.5656854249492381
/* Between-provider sd of the latent level, in within-sd units. */
#define GEN_PROVIDER_SD 0.30

/* ---------------------------------------------------------------------------
 * Providers: every attribute is recomputed from the provider's stream when
 * needed, so nothing about 50,000 providers is held in memory.
 */

enum { MEM_ASSURANCE, MEM_EXCELLENCE, MEM_STAIRWAY, MEM_POTENTIAL };

static const char *const s_membership[] = {
    "assurance", "excellence", "stairway", "potential"
};

typedef struct {
    const char *code;  /* the country's code, borrowed */
    const gen_country_t *info;
    unsigned ckey;     /* the country code as a number, for streams */
    unsigned local;    /* 1-based number within the country */
    char id[24];       /* "NO-0001" */
    int service;
    unsigned users;
    unsigned staff;
    int membership;
    int since_y, since_m, since_d;
    bool share;
    unsigned n_units;  /* 0, or 2..4 when some ratios come by unit */
    const char *units[GEN_MAX_UNITS];
    uint32_t unit_mask;  /* bit per ratio indicator reported by unit */
    double q[SURVEY_N];  /* stable latent quality per survey, N(0,1) */
} gen_provider_t;

typedef struct {
    uint64_t seed;
    unsigned n_countries;
    char countries[GEN_MAX_COUNTRIES][3];
    unsigned n_periods;
    unsigned periods[GEN_MAX_PERIODS];
    unsigned providers;    /* per country */
    double scale;          /* respondents kept, 0 < scale <= 1 */
    bool bench;
    const char *dir;
} gen_opts_t;

static void s_provider_make(const gen_opts_t *o, const char *code,
                            unsigned local, gen_provider_t *p)
{
    memset(p, 0, sizeof *p);
    p->code = code;
    p->info = s_country_info(code);
    p->ckey = ((unsigned)(unsigned char)code[0] << 8)
              | (unsigned char)code[1];
    p->local = local;
    snprintf(p->id, sizeof p->id, "%s-%04u", code, local);

    gen_rng_t r;
    s_rng_init(&r, o->seed, TAG_PROVIDER, p->ckey, local, 0);
    double u = s_unif(&r);
    p->service = SVC_N - 1;
    for (int i = 0; i < SVC_N; i++) {
        if (u < s_service_cum[i]) {
            p->service = i;
            break;
        }
    }
    p->users = (unsigned)s_round(s_clip(s_lognormal(&r, 120.0, 0.6),
                                        30.0, 400.0));
    double staff = p->users * s_service_staffing[p->service]
                   * s_lognormal(&r, 1.0, 0.3);
    p->staff = (unsigned)s_round(s_clip(staff, 15.0, 300.0));

    u = s_unif(&r);
    p->membership = u < 0.40 ? MEM_ASSURANCE
                    : u < 0.60 ? MEM_EXCELLENCE
                    : u < 0.85 ? MEM_STAIRWAY : MEM_POTENTIAL;
    switch (p->membership) {
    case MEM_ASSURANCE:
        p->since_y = (int)s_uint(&r, 2010, 2024);
        break;
    case MEM_EXCELLENCE:
        p->since_y = (int)s_uint(&r, 2008, 2022);
        break;
    case MEM_STAIRWAY:
        p->since_y = (int)s_uint(&r, 2015, 2024);
        break;
    default:
        /* A potential member has two years; those before 2023 are late. */
        u = s_unif(&r);
        p->since_y = u < 0.10 ? 2021 : u < 0.30 ? 2022 : u < 0.40 ? 2023
                     : u < 0.70 ? 2024 : 2025;
        break;
    }
    p->since_m = (int)s_uint(&r, 1, 12);
    p->since_d = (int)s_uint(&r, 1, 28);
    p->share = s_unif(&r) < 0.6;

    if (s_unif(&r) < 0.15) {
        size_t pool = s_count(p->info->units);
        p->n_units = s_uint(&r, 2, GEN_MAX_UNITS);
        size_t start = s_uint(&r, 0, (unsigned)pool - 1);
        for (unsigned i = 0; i < p->n_units; i++) {
            p->units[i] = p->info->units[(start + i) % pool];
        }
        for (int i = 0; i < R_N; i++) {
            if (s_unif(&r) < 0.5) {
                p->unit_mask |= UINT32_C(1) << i;
            }
        }
        if (p->unit_mask == 0) {
            p->unit_mask = UINT32_C(1) << R_STA04;
        }
    }
    for (int s = 0; s < SURVEY_N; s++) {
        p->q[s] = s_normal(&r);
    }
}

/* Writes the provider's name into buf (always terminated). */
static void s_provider_name(const gen_opts_t *o, const gen_provider_t *p,
                            char *buf, size_t size)
{
    gen_rng_t r;
    s_rng_init(&r, o->seed, TAG_NAME, p->ckey, p->local, 0);
    const gen_country_t *c = p->info;
    size_t n_places = s_count(c->places);
    const char *place = c->places[s_uint(&r, 0, (unsigned)n_places - 1)];
    const char *other = c->places[s_uint(&r, 0, (unsigned)n_places - 1)];
    const char *noun = c->nouns[p->service][s_uint(&r, 0, 1)];
    /* Plain "{P} {N}" twice as often as the other templates. */
    size_t n_tpl = s_count(c->templates);
    unsigned pick = s_uint(&r, 0, (unsigned)n_tpl);
    const char *tpl = c->templates[pick >= n_tpl ? 0 : pick];

    size_t len = 0;
    buf[0] = '\0';
    for (const char *t = tpl; *t != '\0'; t++) {
        const char *piece = NULL;
        if (t[0] == '{' && t[1] != '\0' && t[2] == '}') {
            piece = t[1] == 'P' ? place : t[1] == 'Q' ? other
                    : t[1] == 'N' ? noun : NULL;
        }
        if (piece != NULL) {
            t += 2;
        }
        size_t plen = piece != NULL ? strlen(piece) : 1;
        if (len + plen + 1 > size) {
            break;
        }
        memcpy(buf + len, piece != NULL ? piece : t, plen);
        len += plen;
        buf[len] = '\0';
    }
    if (p->local > 200) {
        /* Many providers (--bench): a branch number keeps names apart. */
        char num[32];
        snprintf(num, sizeof num, " %u", p->local);
        if (len + strlen(num) + 1 <= size) {
            memcpy(buf + len, num, strlen(num) + 1);
        }
    }
}

/* ---------------------------------------------------------------------------
 * Output: a buffered writer per file, with the file's delimiter and
 * decimal mark.
 */

typedef struct {
    FILE *f;
    char *path;
    const char *name;   /* borrowed, for the summary line */
    char delim;
    char dec;
    bool failed;
    int err;             /* errno of the first failure */
    unsigned long long rows;
    size_t len;
    char buf[GEN_OUT_BUF];
} gen_out_t;

static void s_out_flush(gen_out_t *out)
{
    if (out->len > 0 && !out->failed) {
        if (fwrite(out->buf, 1, out->len, out->f) != out->len) {
            out->failed = true;
            out->err = errno;
        }
    }
    out->len = 0;
}

static void s_out_mem(gen_out_t *out, const char *s, size_t n)
{
    if (out->len + n > sizeof out->buf) {
        s_out_flush(out);
    }
    if (n > sizeof out->buf) {
        if (!out->failed && fwrite(s, 1, n, out->f) != n) {
            out->failed = true;
            out->err = errno;
        }
        return;
    }
    memcpy(out->buf + out->len, s, n);
    out->len += n;
}

static void s_out_str(gen_out_t *out, const char *s)
{
    s_out_mem(out, s, strlen(s));
}

static void s_out_ch(gen_out_t *out, char c)
{
    s_out_mem(out, &c, 1);
}

static void s_out_sep(gen_out_t *out)
{
    s_out_ch(out, out->delim);
}

/* A text field, quoted as RFC 4180 asks when it holds a delimiter, a quote
 * or a line break. */
static void s_out_text(gen_out_t *out, const char *s)
{
    if (strchr(s, out->delim) == NULL && strpbrk(s, "\"\r\n") == NULL) {
        s_out_str(out, s);
        return;
    }
    s_out_ch(out, '"');
    for (const char *c = s; *c != '\0'; c++) {
        if (*c == '"') {
            s_out_ch(out, '"');
        }
        s_out_ch(out, *c);
    }
    s_out_ch(out, '"');
}

static void s_out_uint(gen_out_t *out, unsigned long long v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof tmp - 1 - n] = (char)('0' + v % 10);
        v /= 10;
        n++;
    } while (v > 0);
    s_out_mem(out, tmp + sizeof tmp - n, n);
}

/* A non-negative number held in tenths: "12", "12.5" or "12,5". */
static void s_out_tenths(gen_out_t *out, int64_t v10)
{
    if (v10 < 0) {
        v10 = 0;
    }
    s_out_uint(out, (unsigned long long)(v10 / 10));
    if (v10 % 10 != 0) {
        s_out_ch(out, out->dec);
        s_out_ch(out, (char)('0' + v10 % 10));
    }
}

static void s_out_end_row(gen_out_t *out, bool counts)
{
    s_out_ch(out, '\n');
    if (counts) {
        out->rows++;
    }
}

static char *s_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(n);
    if (path != NULL) {
        snprintf(path, n, "%s/%s", dir, name);
    }
    return path;
}

static int s_out_open(gen_out_t **outp, const char *dir, const char *name,
                      char delim)
{
    gen_out_t *out = calloc(1, sizeof *out);
    if (out == NULL) {
        return -ENOMEM;
    }
    out->path = s_path_join(dir, name);
    if (out->path == NULL) {
        free(out);
        return -ENOMEM;
    }
    out->f = fopen(out->path, "w");
    if (out->f == NULL) {
        int e = errno;
        fprintf(stderr, "bl-gen-sample: cannot open '%s': %s\n", out->path,
                strerror(e));
        free(out->path);
        free(out);
        return -e;
    }
    out->name = name;
    out->delim = delim;
    out->dec = delim == ';' ? ',' : '.';
    *outp = out;
    return 0;
}

/* Flushes, closes, reports the file on stdout; 0 or -errno. */
static int s_out_close(gen_out_t **outp)
{
    gen_out_t *out = *outp;
    if (out == NULL) {
        return 0;
    }
    *outp = NULL;
    s_out_flush(out);
    if (fclose(out->f) != 0 && !out->failed) {
        out->failed = true;
        out->err = errno;
    }
    int rc = 0;
    if (out->failed) {
        fprintf(stderr, "bl-gen-sample: cannot write '%s': %s\n", out->path,
                strerror(out->err));
        rc = out->err != 0 ? -out->err : -EIO;
    } else {
        printf("%s %llu\n", out->name, out->rows);
    }
    free(out->path);
    free(out);
    return rc;
}

/* ---------------------------------------------------------------------------
 * The register.
 */

static int s_write_register(const gen_opts_t *o)
{
    gen_out_t *out = NULL;
    int rc = s_out_open(&out, o->dir, "register.csv", ',');
    if (rc != 0) {
        return rc;
    }
    s_out_str(out, "provider_id,name,country,service_type,users,staff,"
                   "membership,member_since,share_identity");
    s_out_end_row(out, false);
    for (unsigned c = 0; c < o->n_countries; c++) {
        for (unsigned i = 1; i <= o->providers; i++) {
            gen_provider_t p;
            char name[256];
            char date[16];
            s_provider_make(o, o->countries[c], i, &p);
            s_provider_name(o, &p, name, sizeof name);
            snprintf(date, sizeof date, "%04d-%02d-%02d", p.since_y,
                     p.since_m, p.since_d);
            s_out_str(out, p.id);
            s_out_sep(out);
            s_out_text(out, name);
            s_out_sep(out);
            s_out_str(out, p.code);
            s_out_sep(out);
            s_out_str(out, s_service_code[p.service]);
            s_out_sep(out);
            s_out_uint(out, p.users);
            s_out_sep(out);
            s_out_uint(out, p.staff);
            s_out_sep(out);
            s_out_str(out, s_membership[p.membership]);
            s_out_sep(out);
            s_out_str(out, date);
            s_out_sep(out);
            s_out_str(out, p.share ? "yes" : "no");
            s_out_end_row(out, true);
        }
    }
    return s_out_close(&out);
}

/* ---------------------------------------------------------------------------
 * Indicator values.
 */

/* The value a reader computes from the written numbers. */
static double s_ratio_value(const gen_ind_t *ind, int64_t num10,
                            int64_t den10)
{
    return ((double)num10 / 10.0) / ((double)den10 / 10.0) * ind->factor;
}

/* Inside the range, with a margin that survives another reader's rounding;
 * a value exactly at a range end is written only when exact (num == den
 * with hi == factor, or zero with lo == 0). */
static bool s_in_range(const gen_ind_t *ind, int64_t num10, int64_t den10)
{
    if (num10 < 0 || den10 <= 0) {
        return false;
    }
    double v = s_ratio_value(ind, num10, den10);
    double lo = ind->lo == 0.0 ? 0.0 : ind->lo * (1.0 + 1e-9);
    double hi = ind->hi == ind->factor ? ind->hi : ind->hi * (1.0 - 1e-9);
    if (ind->hi == ind->factor && num10 > den10) {
        return false;
    }
    return v >= lo && v <= hi;
}

/* The numerator (tenths, a multiple of num_gran) whose ratio to den10 comes
 * nearest the value v inside the range; false if none is near. */
static bool s_fit(const gen_ind_t *ind, double v, int64_t den10,
                  int64_t *num10)
{
    if (den10 <= 0) {
        return false;
    }
    int64_t g = ind->num_gran;
    double target = v / ind->factor * (double)den10 / (double)g;
    int64_t n = s_round(target) * g;
    if (n < 0) {
        n = 0;
    }
    for (int i = 0; i < 8 && !s_in_range(ind, n, den10); i++) {
        if (s_ratio_value(ind, n, den10) < ind->lo) {
            n += g;
        } else {
            n -= g;
        }
        if (n < 0) {
            return false;
        }
    }
    if (!s_in_range(ind, n, den10)) {
        return false;
    }
    *num10 = n;
    return true;
}

/* A value drawn as normal(mean, sd) clipped to the range, then fitted. */
static bool s_fit_normal(gen_rng_t *r, const gen_ind_t *ind, double shift,
                         int64_t den10, int64_t *num10)
{
    double v = s_clip(ind->mean + shift + ind->sd * s_normal(r), ind->lo,
                      ind->hi);
    return s_fit(ind, v, den10, num10);
}

/* How many of a survey's population were invited and answered, before any
 * scaling: the user survey's figures are also PTC-03's. */
static void s_response(const gen_opts_t *o, const gen_provider_t *p,
                       unsigned year, int survey, unsigned *invited,
                       unsigned *valid)
{
    gen_rng_t r;
    s_rng_init(&r, o->seed, TAG_RESPONSE + (unsigned)survey, p->ckey,
               p->local, year);
    double rate;
    switch (survey) {
    case SURVEY_USER:
        *invited = p->users;
        rate = s_clip(0.48 + 0.15 * s_normal(&r), 0.10, 0.95);
        break;
    case SURVEY_STAFF:
        *invited = p->staff;
        rate = s_clip(0.62 + 0.15 * s_normal(&r), 0.20, 0.95);
        break;
    default:
        *invited = 15 + p->users / 10;
        rate = s_clip(0.55 + 0.15 * s_normal(&r), 0.20, 0.95);
        break;
    }
    *valid = s_binomial(&r, *invited, rate);
}

/* The provider's latent level on a survey in a period, N(0,1): mostly the
 * stable quality, partly the year's. */
static double s_quality(const gen_opts_t *o, const gen_provider_t *p,
                        unsigned year, int survey)
{
    gen_rng_t r;
    s_rng_init(&r, o->seed, TAG_QUALITY + (unsigned)survey, p->ckey,
               p->local, year);
    return 0.8 * p->q[survey] + 0.6 * s_normal(&r);
}

typedef struct {
    bool ok[R_N];
    int64_t num[R_N];   /* tenths */
    int64_t den[R_N];   /* tenths */
} gen_ratios_t;

/* Draws every ratio indicator's numerator and denominator of a provider in
 * a period. Some depend on others (LEA-03 on LEA-04's cost, RES-03 on
 * RES-04's completers), so they are drawn together, each from its own
 * stream. */
static void s_draw_ratios(const gen_opts_t *o, const gen_provider_t *p,
                          unsigned year, gen_ratios_t *g)
{
    gen_rng_t b;
    s_rng_init(&b, o->seed, TAG_BASICS, p->ckey, p->local, year);
    int64_t users10 = (int64_t)p->users * 10;
    int64_t staff10 = (int64_t)p->staff * 10;
    int64_t fte10 = s_round(p->staff * 10.0 * (0.70 + 0.25 * s_unif(&b)));
    int64_t head10 = s_round(p->staff * 10.0
                             * (1.0 + 0.03 * s_normal(&b)));
    int64_t exits = s_round(p->users * (0.15 + 0.30 * s_unif(&b)));
    double places_share = p->service == SVC_RESIDENTIAL
                              ? 0.85 + 0.15 * s_unif(&b)
                              : 0.30 + 0.30 * s_unif(&b);
    int64_t days = p->service == SVC_RESIDENTIAL ? 365 : 250;
    int64_t places = s_round(p->users * places_share);
    if (fte10 < 10) {
        fte10 = 10;
    }
    if (head10 < 10) {
        head10 = 10;
    }
    if (exits < 3) {
        exits = 3;
    }
    if (places < 1) {
        places = 1;
    }

    memset(g, 0, sizeof *g);
    for (int i = 0; i < R_N; i++) {
        gen_rng_t r;
        const gen_ind_t *ind = &s_ind[i];
        s_rng_init(&r, o->seed, TAG_RATIO + (unsigned)i, p->ckey, p->local,
                   year);
        int64_t den = 0;
        int64_t num = 0;
        bool ok = false;
        switch (i) {
        case R_LEA01:
            den = (int64_t)s_uint(&r, 8, 40) * 10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_LEA04: {
            /* Operating cost per user: lognormal, median 8,000 EUR x/÷ 2,
             * at the country's price level. */
            double cpu = s_clip(s_lognormal(&r, 8000.0 * p->info->ppp,
                                            0.6931471805599453),
                                ind->lo, ind->hi);
            den = users10;
            ok = s_fit(ind, cpu, den, &num);
            break;
        }
        case R_LEA03:
            /* Overhead share of the total operating cost (LEA-04's
             * numerator, drawn first below: see the order fix-up). */
            break;
        case R_LEA05:
            den = places * days * 10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_STA01: {
            /* Turnover: care services +10 points, and lower where staff
             * are satisfied: -0.45 on the latent level comes out as about
             * -0.3 against the staff survey's share. */
            bool care = p->service == SVC_RESIDENTIAL
                        || p->service == SVC_HOME;
            double q = s_quality(o, p, year, SURVEY_STAFF);
            double v = ind->mean + (care ? 10.0 : 0.0)
                       + ind->sd * (-0.45 * q + 0.893 * s_normal(&r));
            den = head10;
            ok = s_fit(ind, s_clip(v, ind->lo, ind->hi), den, &num);
            break;
        }
        case R_STA02:
            den = fte10 * 220;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_STA03:
            den = fte10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_STA04:
        case R_ETH02:
            den = staff10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_STA05:
            den = s_round(p->staff * (0.60 + 0.25 * s_unif(&r))) * 10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_RIG01: {
            double rate = 3.0 * s_lognormal(&r, 0.92, 0.4);
            num = (int64_t)s_poisson(&r, p->users * rate / 100.0) * 10;
            den = users10;
            ok = s_in_range(ind, num, den);
            break;
        }
        case R_RIG02:
            /* Closed complaints: this year's and some carried over. */
            break;
        case R_RIG04:
            den = (int64_t)(p->users < 60 ? p->users
                            : s_uint(&r, 20, 60)) * 10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_ETH03: {
            /* Negative-binomial-like: 30% zeros, mean 2 per 100 users. */
            if (s_unif(&r) >= 0.30) {
                double rate = (2.0 / 0.7) * s_lognormal(&r, 0.89, 0.5);
                num = (int64_t)s_poisson(&r, p->users * rate / 100.0) * 10;
            }
            den = users10;
            ok = s_in_range(ind, num, den);
            break;
        }
        case R_PSH03:
            den = p->service == SVC_VR
                      ? users10
                      : s_round(p->users * (0.05 + 0.20 * s_unif(&r))) * 10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_PTC03: {
            unsigned invited;
            unsigned valid;
            s_response(o, p, year, SURVEY_USER, &invited, &valid);
            den = (int64_t)invited * 10;
            num = (int64_t)valid * 10;
            ok = s_in_range(ind, num, den);
            if (!ok && den > 0) {
                double v = s_clip(s_ratio_value(ind, num, den), ind->lo,
                                  ind->hi);
                ok = s_fit(ind, v, den, &num);
            }
            break;
        }
        case R_PCA01:
            den = users10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_PCA02:
            den = s_round(p->users * (0.90 + 0.10 * s_unif(&r))) * 10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_COM02:
        case R_RES04:
            den = exits * 10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_RES02:
            den = s_round(p->users * (1.0 + 2.0 * s_unif(&r))) * 10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_RES03:
            /* Completers: RES-04's numerator, drawn below. */
            break;
        case R_CIM01:
            den = (int64_t)s_uint(&r, 5, 40) * 10;
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        case R_CIM03:
            den = 50 * 10; /* EQUASS's 50 criteria */
            ok = s_fit_normal(&r, ind, 0, den, &num);
            break;
        default:
            break;
        }
        g->ok[i] = ok;
        g->num[i] = num;
        g->den[i] = den;
    }

    /* The dependent ones, now that what they depend on is drawn. */
    static const int dependent[] = {R_LEA03, R_RIG02, R_RES03};
    for (size_t k = 0; k < sizeof dependent / sizeof dependent[0]; k++) {
        int i = dependent[k];
        gen_rng_t r;
        s_rng_init(&r, o->seed, TAG_RATIO + (unsigned)i, p->ckey, p->local,
                   year);
        int64_t den = 0;
        if (i == R_LEA03) {
            den = g->ok[R_LEA04] ? g->num[R_LEA04] : 0;
        } else if (i == R_RIG02) {
            den = g->num[R_RIG01] + (int64_t)(1 + s_poisson(&r, 1.5)) * 10;
        } else {
            den = g->ok[R_RES04] ? g->num[R_RES04] : 0;
        }
        g->den[i] = den;
        g->ok[i] = den > 0 && s_fit_normal(&r, &s_ind[i], 0, den,
                                           &g->num[i]);
    }
}

/* Splits a ratio over the provider's units: denominators in proportion to
 * random weights, each unit's value near the provider's. False (write a
 * provider row instead) when the denominator is too small to split. */
static bool s_split_units(const gen_opts_t *o, const gen_provider_t *p,
                          unsigned year, int i, int64_t num, int64_t den,
                          int64_t unum[], int64_t uden[])
{
    const gen_ind_t *ind = &s_ind[i];
    gen_rng_t r;
    s_rng_init(&r, o->seed, TAG_UNITS + (unsigned)i, p->ckey, p->local,
               year);
    unsigned k = p->n_units;
    int64_t gd = ind->den_gran;
    int64_t steps = den / gd;
    if (steps < (int64_t)k * 4) {
        return false;
    }
    double w[GEN_MAX_UNITS];
    double wsum = 0.0;
    for (unsigned j = 0; j < k; j++) {
        w[j] = 0.5 + s_unif(&r);
        wsum += w[j];
    }
    int64_t used = 0;
    for (unsigned j = 0; j + 1 < k; j++) {
        int64_t part = (int64_t)floor((double)steps * w[j] / wsum);
        if (part < 1) {
            part = 1;
        }
        uden[j] = part * gd;
        used += part;
    }
    if (steps - used < 1) {
        return false;
    }
    uden[k - 1] = (steps - used) * gd + (den - steps * gd);
    double v = s_ratio_value(ind, num, den);
    for (unsigned j = 0; j < k; j++) {
        double vj = s_clip(v + 0.5 * ind->sd * s_normal(&r), ind->lo,
                           ind->hi);
        if (!s_fit(ind, vj, uden[j], &unum[j])) {
            return false;
        }
    }
    return true;
}

/* A value indicator, in tenths. */
static int64_t s_draw_value(const gen_opts_t *o, const gen_provider_t *p,
                            unsigned year, int i)
{
    gen_rng_t r;
    s_rng_init(&r, o->seed, TAG_VALUE + (unsigned)i, p->ckey, p->local,
               year);
    switch (i) {
    case V_PSH01:
        return (int64_t)s_poisson(&r, 9.0) * 10;
    case V_PTC02:
        if (s_unif(&r) < 0.10) {
            return 0;
        }
        return (int64_t)s_poisson(&r, 5.5) * 10;
    default: {
        /* Days to service start: lognormal, median 21, half days. */
        double d = s_clip(s_lognormal(&r, 21.0, 0.7), 1.0, 180.0);
        return s_round(d * 2.0) * 5;
    }
    }
}

/* A steps indicator (0..4) in period index pi: drawn for the first period,
 * then drifting +0.2 a year on average, never down more than one step. */
static int s_draw_steps(const gen_opts_t *o, const gen_provider_t *p,
                        unsigned pi, int j)
{
    static const double cum[5] = {0.03, 0.13, 0.40, 0.75, 1.0};
    int steps = 4;
    for (unsigned k = 0; k <= pi; k++) {
        gen_rng_t r;
        s_rng_init(&r, o->seed, TAG_STEPS + (unsigned)j, p->ckey, p->local,
                   o->periods[k]);
        double u = s_unif(&r);
        if (k == 0) {
            for (int s = 0; s < 5; s++) {
                if (u < cum[s]) {
                    steps = s;
                    break;
                }
            }
            /* DK-2.2 and DK-2.3 sit about 0.3 lower. */
            if (j >= 4 && steps > 0 && s_unif(&r) < 0.30) {
                steps--;
            }
        } else if (u < 0.33) {
            /* Up a third of the time, so +0.2 on average despite the cap. */
            steps += steps < 4;
        } else if (u < 0.38) {
            steps -= steps > 0;
        }
    }
    return steps;
}

static void s_row_head(gen_out_t *out, const gen_provider_t *p,
                       const char *unit, unsigned year)
{
    s_out_str(out, p->id);
    s_out_sep(out);
    s_out_str(out, unit);
    s_out_sep(out);
    s_out_uint(out, year);
    s_out_sep(out);
}

static void s_row_ratio(gen_out_t *out, const gen_provider_t *p,
                        const char *unit, unsigned year, int i, int64_t num,
                        int64_t den)
{
    s_row_head(out, p, unit, year);
    s_out_str(out, s_ind[i].id);
    s_out_sep(out);
    s_out_tenths(out, num);
    s_out_sep(out);
    s_out_tenths(out, den);
    s_out_sep(out);
    s_out_end_row(out, true);
}

static void s_row_value(gen_out_t *out, const gen_provider_t *p,
                        unsigned year, int i, int64_t v10)
{
    s_row_head(out, p, "", year);
    s_out_str(out, s_ind[i].id);
    s_out_sep(out);
    s_out_sep(out);
    s_out_sep(out);
    s_out_tenths(out, v10);
    s_out_end_row(out, true);
}

/* A few providers leave a few indicators out in a period. */
static uint64_t s_skip_mask(const gen_opts_t *o, const gen_provider_t *p,
                            unsigned year)
{
    gen_rng_t r;
    s_rng_init(&r, o->seed, TAG_SKIP, p->ckey, p->local, year);
    uint64_t mask = 0;
    if (s_unif(&r) < 0.08) {
        unsigned m = s_uint(&r, 1, 3);
        for (unsigned k = 0; k < m; k++) {
            mask |= UINT64_C(1) << s_uint(&r, 0, GEN_N_IND - 1);
        }
    }
    return mask;
}

static int s_write_indicators(const gen_opts_t *o, unsigned c, unsigned pi)
{
    const char *code = o->countries[c];
    unsigned year = o->periods[pi];
    const gen_country_t *info = s_country_info(code);
    char name[64];
    snprintf(name, sizeof name, "indicators-%s-%u.csv", code, year);
    gen_out_t *out = NULL;
    int rc = s_out_open(&out, o->dir, name, info->delim);
    if (rc != 0) {
        return rc;
    }
    const char *cols[] = {"provider_id", "unit_id", "period", "indicator_id",
                          "numerator", "denominator", "value"};
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        if (k > 0) {
            s_out_sep(out);
        }
        s_out_str(out, cols[k]);
    }
    s_out_end_row(out, false);

    for (unsigned local = 1; local <= o->providers; local++) {
        gen_provider_t p;
        gen_ratios_t g;
        s_provider_make(o, code, local, &p);
        s_draw_ratios(o, &p, year, &g);
        uint64_t skip = s_skip_mask(o, &p, year);
        for (int i = 0; i < GEN_N_IND; i++) {
            if (skip & (UINT64_C(1) << i)) {
                continue;
            }
            if (i < R_N) {
                if (!g.ok[i]) {
                    continue;
                }
                int64_t unum[GEN_MAX_UNITS];
                int64_t uden[GEN_MAX_UNITS];
                if ((p.unit_mask & (UINT32_C(1) << i))
                    && s_split_units(o, &p, year, i, g.num[i], g.den[i],
                                     unum, uden)) {
                    for (unsigned j = 0; j < p.n_units; j++) {
                        s_row_ratio(out, &p, p.units[j], year, i, unum[j],
                                    uden[j]);
                    }
                } else {
                    s_row_ratio(out, &p, "", year, i, g.num[i], g.den[i]);
                }
            } else if (i < D_FIRST) {
                s_row_value(out, &p, year, i, s_draw_value(o, &p, year, i));
            } else {
                int steps = s_draw_steps(o, &p, pi, i - D_FIRST);
                s_row_value(out, &p, year, i, (int64_t)steps * 10);
            }
        }
    }
    return s_out_close(&out);
}

/* ---------------------------------------------------------------------------
 * The learning cycle: improvement actions and practices (SPEC section 10).
 * A provider writes actions on the ratio indicators where its figures lie
 * furthest on the wrong side of the synthetic mean (so most are areas for
 * improvement, a few are not and get the benchmark's warning), and
 * practices on the one where they lie furthest on the right side.
 */

/* Ratio indicators where lower is better (the catalogue's direction). */
static bool s_lower_better(int i)
{
    return i == R_LEA03 || i == R_LEA04 || i == R_STA01 || i == R_STA02 ||
           i == R_RIG01 || i == R_ETH03;
}

/* The provider's ratio indicators of a period with a value, and how good
 * each is in synthetic standard deviations (positive is better). */
static void s_goodness(const gen_opts_t *o, const gen_provider_t *p,
                       unsigned year, double z[R_N], bool has[R_N])
{
    gen_ratios_t g;
    s_draw_ratios(o, p, year, &g);
    uint64_t skip = s_skip_mask(o, p, year);
    for (int i = 0; i < R_N; i++) {
        has[i] = g.ok[i] && !(skip & (UINT64_C(1) << i));
        z[i] = 0.0;
        if (has[i]) {
            double v = s_ratio_value(&s_ind[i], g.num[i], g.den[i]);
            z[i] = (v - s_ind[i].mean) / s_ind[i].sd;
            if (s_lower_better(i)) {
                z[i] = -z[i];
            }
        }
    }
}

/* The index of the worst (sign -1) or best (sign 1) indicator whose
 * goodness times sign is above limit and that is not in used; -1 when
 * none. */
static int s_pick(const double z[R_N], const bool has[R_N], double sign,
                  double limit, const bool used[R_N])
{
    int best = -1;
    for (int i = 0; i < R_N; i++) {
        if (has[i] && !used[i] && z[i] * sign > limit &&
            (best < 0 || z[i] * sign > z[best] * sign)) {
            best = i;
        }
    }
    return best;
}

static const char *const s_action_texts[] = {
    "Review %s every month with staff and service users and agree what "
    "to change",
    "Run a small improvement project on %s with a named team and measure "
    "it each quarter",
    "Visit a provider in the best quarter on %s and copy one of its "
    "routines",
};
static const char *const s_owners[] = {"Head of service",
                                       "Quality coordinator", "Team leader",
                                       "Director"};
static const char *const s_statuses[] = {"done", "in_progress", "planned",
                                         "dropped"};

static void s_out_header(gen_out_t *out, const char *const *cols, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (k > 0) {
            s_out_sep(out);
        }
        s_out_str(out, cols[k]);
    }
    s_out_end_row(out, false);
}

/* actions-CC-PERIOD.csv: about 70% of providers act on up to two of their
 * weakest indicators; a bit under half of the actions are done by the
 * next period. */
static int s_write_actions(const gen_opts_t *o, unsigned c, unsigned pi)
{
    const char *code = o->countries[c];
    unsigned year = o->periods[pi];
    char name[64];
    snprintf(name, sizeof name, "actions-%s-%u.csv", code, year);
    gen_out_t *out = NULL;
    int rc = s_out_open(&out, o->dir, name, s_country_info(code)->delim);
    if (rc != 0) {
        return rc;
    }
    const char *cols[] = {"provider_id", "period", "action_id",
                          "indicator_id", "action", "owner", "due",
                          "status"};
    s_out_header(out, cols, sizeof cols / sizeof cols[0]);
    for (unsigned local = 1; local <= o->providers; local++) {
        gen_provider_t p;
        s_provider_make(o, code, local, &p);
        gen_rng_t r;
        s_rng_init(&r, o->seed, TAG_ACTION, p.ckey, p.local, year);
        if (s_unif(&r) >= 0.7) {
            continue;
        }
        double z[R_N];
        bool has[R_N], used[R_N] = {false};
        s_goodness(o, &p, year, z, has);
        for (unsigned a = 1; a <= 2; a++) {
            int i = s_pick(z, has, -1.0, 0.4, used);
            if (i < 0) {
                break;
            }
            used[i] = true;
            char text[256], id[8], due[16];
            snprintf(text, sizeof text,
                     s_action_texts[s_uint(&r, 0, 2)], s_ind[i].id);
            snprintf(id, sizeof id, "A%u", a);
            snprintf(due, sizeof due, "%u-%02u-%02u", year + 1,
                     s_uint(&r, 3, 12), s_uint(&r, 1, 28));
            double u = s_unif(&r);
            const char *status = s_statuses[u < 0.45   ? 0
                                            : u < 0.70 ? 1
                                            : u < 0.85 ? 2
                                                       : 3];
            s_out_str(out, p.id);
            s_out_sep(out);
            s_out_uint(out, year);
            s_out_sep(out);
            s_out_str(out, id);
            s_out_sep(out);
            s_out_str(out, s_ind[i].id);
            s_out_sep(out);
            s_out_text(out, text);
            s_out_sep(out);
            s_out_text(out, s_owners[s_uint(&r, 0, 3)]);
            s_out_sep(out);
            s_out_str(out, due);
            s_out_sep(out);
            s_out_str(out, status);
            s_out_end_row(out, true);
        }
    }
    return s_out_close(&out);
}

/* practices-CC-PERIOD.csv: about half of the providers that stand out on
 * an indicator tell how they do it. */
static int s_write_practices(const gen_opts_t *o, unsigned c, unsigned pi)
{
    const char *code = o->countries[c];
    unsigned year = o->periods[pi];
    char name[64];
    snprintf(name, sizeof name, "practices-%s-%u.csv", code, year);
    gen_out_t *out = NULL;
    int rc = s_out_open(&out, o->dir, name, s_country_info(code)->delim);
    if (rc != 0) {
        return rc;
    }
    const char *cols[] = {"provider_id", "period", "indicator_id", "title",
                          "description", "contact"};
    s_out_header(out, cols, sizeof cols / sizeof cols[0]);
    for (unsigned local = 1; local <= o->providers; local++) {
        gen_provider_t p;
        s_provider_make(o, code, local, &p);
        gen_rng_t r;
        s_rng_init(&r, o->seed, TAG_PRACTICE, p.ckey, p.local, year);
        double z[R_N];
        bool has[R_N], used[R_N] = {false};
        s_goodness(o, &p, year, z, has);
        int i = s_pick(z, has, 1.0, 0.8, used);
        if (i < 0 || s_unif(&r) >= 0.5) {
            continue;
        }
        char title[128], text[256], contact[64];
        snprintf(title, sizeof title, "How we work on %s", s_ind[i].id);
        snprintf(text, sizeof text,
                 "A fixed weekly routine for %s: one person owns it and "
                 "the team sees the figures every month",
                 s_ind[i].id);
        snprintf(contact, sizeof contact, "quality@%s.example.org", p.id);
        for (char *ch = contact; *ch; ch++) {
            if (*ch >= 'A' && *ch <= 'Z') {
                *ch = (char)(*ch - 'A' + 'a');
            }
        }
        s_out_str(out, p.id);
        s_out_sep(out);
        s_out_uint(out, year);
        s_out_sep(out);
        s_out_str(out, s_ind[i].id);
        s_out_sep(out);
        s_out_text(out, title);
        s_out_sep(out);
        s_out_text(out, text);
        s_out_sep(out);
        s_out_text(out, contact);
        s_out_end_row(out, true);
    }
    return s_out_close(&out);
}

/* ---------------------------------------------------------------------------
 * Surveys.
 */

/* Respondents written for a provider's survey in a period. About 5% of
 * providers have one survey with fewer than 5 respondents in a period;
 * everyone else has at least 5. */
static unsigned s_respondents(const gen_opts_t *o, const gen_provider_t *p,
                              unsigned year, int survey)
{
    unsigned invited;
    unsigned valid;
    s_response(o, p, year, survey, &invited, &valid);
    gen_rng_t r;
    s_rng_init(&r, o->seed, TAG_SMALL, p->ckey, p->local, year);
    bool small = s_unif(&r) < 0.05;
    int which = (int)s_uint(&r, 0, SURVEY_N - 1);
    unsigned few = s_uint(&r, 1, 4);
    if (small && which == survey) {
        return few;
    }
    unsigned n = valid;
    if (o->scale < 1.0) {
        gen_rng_t rs;
        s_rng_init(&rs, o->seed, TAG_SCALE + (unsigned)survey,
                   p->ckey, p->local, year);
        n = s_binomial(&rs, valid, o->scale);
    }
    if (n < 5) {
        n = invited < 5 ? invited : 5;
    }
    return n;
}

static int s_write_survey(const gen_opts_t *o, unsigned c, unsigned pi,
                          int survey)
{
    const char *code = o->countries[c];
    unsigned year = o->periods[pi];
    const gen_country_t *info = s_country_info(code);
    const gen_survey_t *sv = &s_surveys[survey];
    char name[64];
    snprintf(name, sizeof name, "survey-%s-%s-%u.csv", sv->name, code, year);
    gen_out_t *out = NULL;
    int rc = s_out_open(&out, o->dir, name, info->delim);
    if (rc != 0) {
        return rc;
    }
    const char *cols[] = {"provider_id", "unit_id", "period", "survey",
                          "respondent_id"};
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        if (k > 0) {
            s_out_sep(out);
        }
        s_out_str(out, cols[k]);
    }
    for (int k = 0; k < sv->n_items; k++) {
        s_out_sep(out);
        s_out_str(out, sv->items[k]);
    }
    s_out_end_row(out, false);

    /* Respondent ids: a keyed bijection of (provider, period, survey,
     * number), so they are unique and say nothing. */
    uint64_t key = s_mix64(o->seed ^ UINT64_C(0x1f83d9abfb41bd6b));
    for (unsigned local = 1; local <= o->providers; local++) {
        gen_provider_t p;
        s_provider_make(o, code, local, &p);
        unsigned n = s_respondents(o, &p, year, survey);
        double level = info->offset
                       + GEN_PROVIDER_SD * s_quality(o, &p, year, survey);
        gen_rng_t r;
        s_rng_init(&r, o->seed, TAG_RESPONDENTS + (unsigned)survey, p.ckey,
                   local, year);
        uint64_t base = ((uint64_t)p.ckey << 48) ^ ((uint64_t)local << 24)
                        ^ ((uint64_t)(pi & 0xf) << 20)
                        ^ ((uint64_t)survey << 18);
        for (unsigned j = 0; j < n; j++) {
            /* Staff of a provider with units answer for their unit. */
            const char *unit = "";
            if (survey == SURVEY_STAFF && p.n_units > 0) {
                unit = p.units[s_uint(&r, 0, p.n_units - 1)];
            }
            char rid[24];
            snprintf(rid, sizeof rid, "r-%016" PRIx64,
                     s_mix64(key ^ (base + j)) ^ key);
            s_row_head(out, &p, unit, year);
            s_out_str(out, sv->name);
            s_out_sep(out);
            s_out_str(out, rid);
            double z = s_normal(&r);
            for (int k = 0; k < sv->n_items; k++) {
                s_out_sep(out);
                double u = s_unif(&r);
                if (u < sv->blank[k]) {
                    continue;
                }
                if (u < sv->blank[k] + GEN_NA_SHARE) {
                    s_out_str(out, "NA");
                    continue;
                }
                double y = sv->latent[k] + level + GEN_LOADING * z
                           + GEN_UNIQUE * s_normal(&r);
                char answer = y < -1.6 ? '1' : y < -0.8 ? '2'
                              : y < 0.0 ? '3' : y < 1.0 ? '4' : '5';
                s_out_ch(out, answer);
            }
            s_out_end_row(out, true);
        }
    }
    return s_out_close(&out);
}

/* ---------------------------------------------------------------------------
 * Options and main.
 */

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: bl-gen-sample -o DIR [--seed N] [--providers N] "
            "[--countries NO,PT,EE,LT]\n"
            "                     [--periods 2024,2025] "
            "[--respondents-scale F] [--bench]\n"
            "Writes register.csv, indicators-CC-PERIOD.csv, "
            "survey-SURVEY-CC-PERIOD.csv,\n"
            "actions-CC-PERIOD.csv (every period but the last) and "
            "practices-CC-PERIOD.csv\n"
            "(not with --bench) into DIR; prints one line per file: its "
            "name and data rows.\n"
            "--providers is per country (default 44); --bench writes %u "
            "providers in all\n"
            "and about %.0f survey rows.\n",
            GEN_BENCH_PROVIDERS, GEN_BENCH_SURVEY_ROWS);
}

static bool s_parse_countries(gen_opts_t *o, const char *arg)
{
    o->n_countries = 0;
    const char *s = arg;
    for (;;) {
        const char *end = strchr(s, ',');
        size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
        if (len != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z'
            || o->n_countries == GEN_MAX_COUNTRIES) {
            return false;
        }
        for (unsigned i = 0; i < o->n_countries; i++) {
            if (strncmp(o->countries[i], s, 2) == 0) {
                return false;
            }
        }
        memcpy(o->countries[o->n_countries], s, 2);
        o->countries[o->n_countries][2] = '\0';
        o->n_countries++;
        if (end == NULL) {
            return true;
        }
        s = end + 1;
    }
}

static bool s_parse_periods(gen_opts_t *o, const char *arg)
{
    o->n_periods = 0;
    const char *s = arg;
    for (;;) {
        char *end = NULL;
        errno = 0;
        unsigned long y = strtoul(s, &end, 10);
        if (errno != 0 || end == s || (*end != ',' && *end != '\0')
            || y < 1900 || y > 9999 || o->n_periods == GEN_MAX_PERIODS
            || (o->n_periods > 0 && y <= o->periods[o->n_periods - 1])) {
            return false;
        }
        o->periods[o->n_periods++] = (unsigned)y;
        if (*end == '\0') {
            return true;
        }
        s = end + 1;
    }
}

static bool s_parse_uint(const char *arg, unsigned long long max,
                         unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    if (arg[0] == '-' || arg[0] == '\0') {
        return false;
    }
    unsigned long long v = strtoull(arg, &end, 0);
    if (errno != 0 || *end != '\0' || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* Respondents kept in --bench so that the survey files hold about
 * GEN_BENCH_SURVEY_ROWS rows: expected rows at scale 1 from the providers
 * themselves. */
static double s_bench_scale(const gen_opts_t *o)
{
    double expected = 0.0;
    for (unsigned c = 0; c < o->n_countries; c++) {
        for (unsigned i = 1; i <= o->providers; i++) {
            gen_provider_t p;
            s_provider_make(o, o->countries[c], i, &p);
            expected += 0.48 * p.users + 0.62 * p.staff
                        + 0.55 * (15 + p.users / 10);
        }
    }
    expected *= o->n_periods;
    if (expected <= GEN_BENCH_SURVEY_ROWS) {
        return 1.0;
    }
    return GEN_BENCH_SURVEY_ROWS / expected;
}

int main(int argc, char **argv)
{
    gen_opts_t o;
    memset(&o, 0, sizeof o);
    o.seed = 20250101;
    o.providers = 0;
    o.scale = 0.0;
    s_parse_countries(&o, "NO,PT,EE,LT");
    s_parse_periods(&o, "2024,2025");

    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, 's'},
        {"providers", required_argument, NULL, 'n'},
        {"countries", required_argument, NULL, 'c'},
        {"periods", required_argument, NULL, 'p'},
        {"respondents-scale", required_argument, NULL, 'r'},
        {"bench", no_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        unsigned long long v;
        char *end = NULL;
        switch (opt) {
        case 'o':
            o.dir = optarg;
            break;
        case 's':
            if (!s_parse_uint(optarg, UINT64_MAX, &v)) {
                fprintf(stderr, "bl-gen-sample: --seed: '%s' is not a "
                                "number\n", optarg);
                return 1;
            }
            o.seed = v;
            break;
        case 'n':
            if (!s_parse_uint(optarg, 9999999, &v) || v == 0) {
                fprintf(stderr, "bl-gen-sample: --providers: '%s' is not "
                                "a number from 1 to 9999999\n", optarg);
                return 1;
            }
            o.providers = (unsigned)v;
            break;
        case 'c':
            if (!s_parse_countries(&o, optarg)) {
                fprintf(stderr, "bl-gen-sample: --countries: '%s' is not a "
                                "list of distinct codes like NO,PT\n",
                        optarg);
                return 1;
            }
            break;
        case 'p':
            if (!s_parse_periods(&o, optarg)) {
                fprintf(stderr, "bl-gen-sample: --periods: '%s' is not an "
                                "ascending list of years like 2024,2025\n",
                        optarg);
                return 1;
            }
            break;
        case 'r':
            errno = 0;
            o.scale = strtod(optarg, &end);
            if (errno != 0 || end == optarg || *end != '\0'
                || !(o.scale > 0.0 && o.scale <= 1.0)) {
                fprintf(stderr, "bl-gen-sample: --respondents-scale: '%s' "
                                "is not a number in (0, 1]\n", optarg);
                return 1;
            }
            break;
        case 'b':
            o.bench = true;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 1;
        }
    }
    if (o.dir == NULL || optind != argc) {
        s_usage(stderr);
        return 1;
    }
    if (o.providers == 0) {
        o.providers = o.bench ? (GEN_BENCH_PROVIDERS + o.n_countries - 1)
                                    / o.n_countries
                              : 44;
    }
    if (o.scale == 0.0) {
        o.scale = o.bench ? s_bench_scale(&o) : 1.0;
    }
    if (mkdir(o.dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "bl-gen-sample: cannot create '%s': %s\n", o.dir,
                strerror(errno));
        return 2;
    }

    int rc = s_write_register(&o);
    for (unsigned c = 0; c < o.n_countries && rc == 0; c++) {
        for (unsigned pi = 0; pi < o.n_periods && rc == 0; pi++) {
            rc = s_write_indicators(&o, c, pi);
            for (int s = 0; s < SURVEY_N && rc == 0; s++) {
                rc = s_write_survey(&o, c, pi, s);
            }
            /* The learning cycle: not in the bench data set. */
            if (rc == 0 && !o.bench && pi + 1 < o.n_periods) {
                rc = s_write_actions(&o, c, pi);
            }
            if (rc == 0 && !o.bench) {
                rc = s_write_practices(&o, c, pi);
            }
        }
    }
    if (fflush(stdout) != 0) {
        return 2;
    }
    return rc == 0 ? 0 : 2;
}
