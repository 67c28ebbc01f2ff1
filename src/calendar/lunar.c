/*
 * lunar.c - the Vietnamese lunar calendar (âm lịch), computed from the sky.
 *
 * Written for egov from the published astronomy and rules, not from any
 * existing calendar program:
 *   - Jean Meeus, Astronomical Algorithms, 2nd ed. (1998): ch. 7 for Julian
 *     Days, ch. 25 for the sun's apparent longitude (the "low accuracy"
 *     method, 0.01 degree), ch. 49 for the instant of the true new moon (the
 *     mean phase, 25 periodic terms and 14 planetary arguments: a few seconds);
 *   - Delta T (TT - UT) from the polynomials of F. Espenak and J. Meeus, "Five
 *     Millennium Canon of Solar Eclipses" (NASA, 2006);
 *   - the rules of the Vietnamese calendar (DOMAIN-VN §5.2): time is UTC+7; a
 *     month begins on the local day of its new moon; month 11 is the month in
 *     which the sun reaches 270 degrees (the December solstice); when 13
 *     months separate two months 11, the first month after month 11 in which
 *     the sun crosses no multiple of 30 degrees (no major term, trung khí) is
 *     leap and takes the number of the month before it.
 *
 * Dates are day numbers, days since 1970-01-01 (eg_date_days); the astronomy
 * works in Julian Days. Lunations carry Meeus' number k: k = 0 is the new moon
 * of 2000-01-06. Everything is a pure function of its arguments.
 */
#include "calendar_int.h"

#include <math.h>
#include <stdio.h>

#define PI 3.14159265358979323846
#define TZ_DAYS (7.0 / 24.0)         /* Asia/Ho_Chi_Minh, the meridian of 105 degrees east */
#define JD_UNIX_EPOCH 2440587.5      /* the Julian Day of 1970-01-01 00:00 UT */
#define JD_J2000 2451545.0           /* 2000-01-01 12:00 TT */
#define JDE_LUNATION_0 2451550.09766 /* the mean new moon k = 0 (Meeus 49.1) */
#define SYNODIC_MONTH 29.530588861   /* days */

static double
sin_deg(double deg)
{
    return sin(fmod(deg, 360.0) * (PI / 180.0));
}

/*
 * Delta T = TT - UT in seconds at decimal year y (Espenak and Meeus). Before
 * 1900 (only the computation of January 1900 reaches there) the 1900 value.
 */
static double
delta_t(double y)
{
    double t;
    if (y < 1900.0)
        y = 1900.0;
    if (y < 1920.0) {
        t = y - 1900.0;
        return -2.79 + t * (1.494119 + t * (-0.0598939 + t * (0.0061966 - 0.000197 * t)));
    }
    if (y < 1941.0) {
        t = y - 1920.0;
        return 21.20 + t * (0.84493 + t * (-0.076100 + 0.0020936 * t));
    }
    if (y < 1961.0) {
        t = y - 1950.0;
        return 29.07 + 0.407 * t - t * t / 233.0 + t * t * t / 2547.0;
    }
    if (y < 1986.0) {
        t = y - 1975.0;
        return 45.45 + 1.067 * t - t * t / 260.0 - t * t * t / 718.0;
    }
    if (y < 2005.0) {
        t = y - 2000.0;
        return 63.86 + t * (0.3345 + t * (-0.060374 +
                                          t * (0.0017275 + t * (0.000651814 + 0.00002373599 * t))));
    }
    if (y < 2050.0) {
        t = y - 2000.0;
        return 62.92 + t * (0.32217 + 0.005589 * t);
    }
    double u = (y - 1820.0) / 100.0;
    return -20.0 + 32.0 * u * u - 0.5628 * (2150.0 - y);
}

/* Delta T in days at Julian Day jd. */
static double
delta_t_days(double jd)
{
    return delta_t(2000.0 + (jd - JD_J2000) / 365.25) / 86400.0;
}

/*
 * The periodic terms of the true new moon (Meeus table 49.A, column "New
 * Moon"): coefficient, power of E, and the multiples of M, M' and F in the
 * argument. The term in Omega is added on its own.
 */
static const struct {
    double coef;
    int e, m, mp, f;
} new_moon_terms[] = {
    {-0.40720, 0, 0, 1, 0},   {0.17241, 1, 1, 0, 0},   {0.01608, 0, 0, 2, 0},
    {0.01039, 0, 0, 0, 2},    {0.00739, 1, -1, 1, 0},  {-0.00514, 1, 1, 1, 0},
    {0.00208, 2, 2, 0, 0},    {-0.00111, 0, 0, 1, -2}, {-0.00057, 0, 0, 1, 2},
    {0.00056, 1, 1, 2, 0},    {-0.00042, 0, 0, 3, 0},  {0.00042, 1, 1, 0, 2},
    {0.00038, 1, 1, 0, -2},   {-0.00024, 1, -1, 2, 0}, {-0.00007, 0, 2, 1, 0},
    {0.00004, 0, 0, 2, -2},   {0.00004, 0, 3, 0, 0},   {0.00003, 0, 1, 1, -2},
    {0.00003, 0, 0, 2, 2},    {-0.00003, 0, 1, 1, 2},  {0.00003, 0, -1, 1, 2},
    {-0.00002, 0, -1, 1, -2}, {-0.00002, 0, 1, 3, 0},  {0.00002, 0, 0, 4, 0},
};

/* The planetary arguments (Meeus p. 351): A = base + rate * k, and their coefficients. */
static const struct {
    double base, rate, coef;
} planetary_terms[] = {
    {299.77, 0.107408, 0.000325}, /* A1, which also has -0.009173 T^2 */
    {251.88, 0.016321, 0.000165}, {251.83, 26.651886, 0.000164}, {349.42, 36.412478, 0.000126},
    {84.66, 18.206239, 0.000110}, {141.74, 53.303771, 0.000062}, {207.14, 2.453732, 0.000060},
    {154.84, 7.306860, 0.000056}, {34.52, 27.261239, 0.000047},  {207.19, 0.121824, 0.000042},
    {291.34, 1.844379, 0.000040}, {161.72, 24.198154, 0.000037}, {239.56, 25.513099, 0.000035},
    {331.55, 3.592518, 0.000023},
};

/* The instant (Julian Ephemeris Day, TT) of the true new moon of lunation k. */
static double
new_moon_jde(int k)
{
    double T = k / 1236.85;
    double T2 = T * T, T3 = T2 * T, T4 = T3 * T;
    double jde = JDE_LUNATION_0 + SYNODIC_MONTH * k + 0.00015437 * T2 - 0.000000150 * T3 +
                 0.00000000073 * T4;
    double E = 1.0 - 0.002516 * T - 0.0000074 * T2;
    /* Mean anomalies of the sun and the moon, the moon's argument of latitude, its node. */
    double M = 2.5534 + 29.10535670 * k - 0.0000014 * T2 - 0.00000011 * T3;
    double Mp = 201.5643 + 385.81693528 * k + 0.0107582 * T2 + 0.00001238 * T3 - 0.000000058 * T4;
    double F = 160.7108 + 390.67050284 * k - 0.0016118 * T2 - 0.00000227 * T3 + 0.000000011 * T4;
    double Om = 124.7746 - 1.56375588 * k + 0.0020672 * T2 + 0.00000215 * T3;
    M = fmod(M, 360.0);
    Mp = fmod(Mp, 360.0);
    F = fmod(F, 360.0);
    double sum = -0.00017 * sin_deg(Om);
    for (size_t i = 0; i < EG_ARRAY_LEN(new_moon_terms); i++) {
        double arg = new_moon_terms[i].m * M + new_moon_terms[i].mp * Mp + new_moon_terms[i].f * F;
        double c = new_moon_terms[i].coef;
        for (int e = 0; e < new_moon_terms[i].e; e++)
            c *= E;
        sum += c * sin_deg(arg);
    }
    for (size_t i = 0; i < EG_ARRAY_LEN(planetary_terms); i++) {
        double arg = planetary_terms[i].base + planetary_terms[i].rate * k;
        if (i == 0)
            arg -= 0.009173 * T2;
        sum += planetary_terms[i].coef * sin_deg(arg);
    }
    return jde + sum;
}

/* The local (UTC+7) day on which lunation k begins. */
static int64_t
new_moon_day(int k)
{
    double jde = new_moon_jde(k);
    double jd_ut = jde - delta_t_days(jde);
    return (int64_t)floor(jd_ut + TZ_DAYS - JD_UNIX_EPOCH);
}

/* The sun's apparent geocentric longitude in degrees [0, 360) at jde (Meeus ch. 25). */
static double
sun_longitude(double jde)
{
    double T = (jde - JD_J2000) / 36525.0;
    double L0 = 280.46646 + T * (36000.76983 + 0.0003032 * T);
    double M = 357.52911 + T * (35999.05029 - 0.0001537 * T);
    double C = (1.914602 - T * (0.004817 + 0.000014 * T)) * sin_deg(M) +
               (0.019993 - 0.000101 * T) * sin_deg(2.0 * M) + 0.000289 * sin_deg(3.0 * M);
    double omega = 125.04 - 1934.136 * T;
    double lambda = L0 + C - 0.00569 - 0.00478 * sin_deg(omega);
    lambda = fmod(lambda, 360.0);
    return lambda < 0 ? lambda + 360.0 : lambda;
}

/* Which 30-degree sector (0..11) the sun is in when local day `day` begins. */
static int
sun_sector(int64_t day)
{
    double jd_ut = (double)day + JD_UNIX_EPOCH - TZ_DAYS;
    int s = (int)floor(sun_longitude(jd_ut + delta_t_days(jd_ut)) / 30.0);
    return s > 11 ? 11 : s;
}

/* The last lunation that begins on or before local day `day`. */
static int
lunation_at(int64_t day)
{
    double jd = (double)day + JD_UNIX_EPOCH;
    int k = (int)floor((jd - JDE_LUNATION_0) / SYNODIC_MONTH);
    while (new_moon_day(k + 1) <= day)
        k++;
    while (new_moon_day(k) > day)
        k--;
    return k;
}

/*
 * The months from month 11 of solar year y (the month of its December
 * solstice) to month 11 of year y + 1: start[i] is the first day of the i-th
 * month after month 11 (start[0] month 11 itself, start[n] the next month 11),
 * and leap the index of the leap month, 0 when there is none.
 */
struct cycle {
    int n; /* 12 or 13 */
    int leap;
    int64_t start[14];
};

static void
cycle_of(int y, struct cycle *c)
{
    int64_t dec31 = eg_date_days((struct eg_date){y, 12, 31});
    int k = lunation_at(dec31);
    /* The sun already past 270 degrees when that month began: the solstice was in the one before. */
    if (sun_sector(new_moon_day(k)) >= 9)
        k--;
    int sector[14];
    for (int i = 0; i < 14; i++) {
        c->start[i] = new_moon_day(k + i);
        sector[i] = sun_sector(c->start[i]);
    }
    /*
     * Month 11 of y + 1 is the 12th month after this one unless the sun is
     * still short of 270 degrees when the 13th begins.
     */
    c->n = sector[13] >= 9 ? 12 : 13;
    c->leap = 0;
    if (c->n == 13) {
        for (int i = 1; i <= 12 && !c->leap; i++)
            if (sector[i] == sector[i + 1])
                c->leap = i;
        EG_ASSERT(c->leap != 0); /* 13 months, 12 major terms: one month has none */
    }
}

/* The number of the month i months after month 11 (leap months aside). */
static int
month_number(int i)
{
    return (i + 10) % 12 + 1;
}

void
eg_cal_lunar_of_days(int64_t days, struct eg_lunar_date *out)
{
    struct cycle c;
    int y = eg_date_from_days(days).year;
    cycle_of(y, &c);
    if (days < c.start[0]) {
        y--;
        cycle_of(y, &c);
    }
    int i = 0;
    while (i + 1 < c.n && c.start[i + 1] <= days)
        i++;
    int idx = c.leap && i >= c.leap ? i - 1 : i; /* months since 11, by number */
    out->day = (int)(days - c.start[i]) + 1;
    out->month = month_number(idx);
    out->leap = c.leap != 0 && i == c.leap;
    /* Months 11 and 12 close lunar year y; months 1 to 10 are of lunar year y + 1. */
    out->year = idx < 2 ? y : y + 1;
}

bool
eg_cal_lunar_to_days(const struct eg_lunar_date *l, int64_t *days)
{
    if (l->month < 1 || l->month > 12 || l->day < 1 || l->day > 30)
        return false;
    int y = l->month >= 11 ? l->year : l->year - 1;
    struct cycle c;
    cycle_of(y, &c);
    int idx = (l->month + 1) % 12; /* 11 -> 0, 12 -> 1, 1 -> 2 ... 10 -> 11 */
    int i;
    if (l->leap) {
        if (c.leap == 0 || c.leap != idx + 1)
            return false;
        i = c.leap;
    } else {
        i = c.leap && idx >= c.leap ? idx + 1 : idx;
    }
    if (l->day > c.start[i + 1] - c.start[i])
        return false;
    *days = c.start[i] + l->day - 1;
    return true;
}

int64_t
eg_cal_lunar_new_year(int year)
{
    int64_t days = 0;
    struct eg_lunar_date tet = {1, 1, year, false};
    bool ok = eg_cal_lunar_to_days(&tet, &days);
    EG_ASSERT(ok); /* every lunar year has a first day */
    return days;
}

/* ---- the public functions, fenced to 1900-2100 ------------------------------------- */

static bool
in_span(int64_t days)
{
    static const struct eg_date first = {EG_LUNAR_FIRST_YEAR, 1, 1};
    static const struct eg_date last = {EG_LUNAR_LAST_YEAR, 12, 31};
    return days >= eg_date_days(first) && days <= eg_date_days(last);
}

enum eg_err
eg_lunar_from_solar(struct eg_date d, struct eg_lunar_date *out)
{
    if (!eg_date_valid(d) || !in_span(eg_date_days(d)))
        return EG_EINVAL;
    eg_cal_lunar_of_days(eg_date_days(d), out);
    return EG_OK;
}

enum eg_err
eg_lunar_to_solar(const struct eg_lunar_date *l, struct eg_date *out)
{
    if (l->year < EG_LUNAR_FIRST_YEAR - 1 || l->year > EG_LUNAR_LAST_YEAR)
        return EG_EINVAL;
    int64_t days;
    if (!eg_cal_lunar_to_days(l, &days) || !in_span(days))
        return EG_EINVAL;
    *out = eg_date_from_days(days);
    return EG_OK;
}

enum eg_err
eg_lunar_leap_month(int year, int *month)
{
    if (year < EG_LUNAR_FIRST_YEAR || year > EG_LUNAR_LAST_YEAR)
        return EG_EINVAL;
    struct cycle c;
    *month = 0;
    /* Months 1 to 10 of lunar year `year` follow month 11 of solar year - 1 ... */
    cycle_of(year - 1, &c);
    if (c.leap >= 3) {
        *month = month_number(c.leap - 1);
        return EG_OK;
    }
    /* ... months 11 and 12 follow month 11 of solar year `year`. */
    cycle_of(year, &c);
    if (c.leap == 1 || c.leap == 2)
        *month = month_number(c.leap - 1);
    return EG_OK;
}

void
eg_lunar_year_name(int year, char out[EG_LUNAR_NAME_MAX])
{
    static const char *const stems[10] = {"Giáp", "Ất",   "Bính", "Đinh", "Mậu",
                                          "Kỷ",   "Canh", "Tân",  "Nhâm", "Quý"};
    static const char *const branches[12] = {"Tý",  "Sửu", "Dần",  "Mão", "Thìn", "Tỵ",
                                             "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"};
    /* 1984 was Giáp Tý, the first year of a cycle. */
    int n = ((year - 1984) % 60 + 60) % 60;
    snprintf(out, EG_LUNAR_NAME_MAX, "%s %s", stems[n % 10], branches[n % 12]);
}
