"""``trend`` and the chart that digests and ``trend`` attach."""

MESSAGES: dict[str, dict[str, str]] = {
    "cmd.trend.help": {
        "en": "Counts per status group over the last 14 days (or N, up to 180), of everyone or "
        "of one customer: the numbers, and a chart as a file.",
        "cs": "Počty podle skupin stavů za posledních 14 dní (nebo N, nejvýše 180), všech nebo "
        "jednoho zákazníka: čísla a graf jako soubor.",
    },
    "arg.trend_words": {"en": "days|customer C", "cs": "dny|customer C"},
    "trend.bad_words": {
        "en": "Not understood: {words}. Write e.g. `trend 30 customer acme-cz`.",
        "cs": "Nerozumím: {words}. Napište např. `trend 30 customer acme-cz`.",
    },
    "trend.md.title": {"en": "📈 {title}", "cs": "📈 {title}"},
    "trend.change": {"en": "Change over the period: {changes}", "cs": "Změna za období: {changes}"},
    "trend.chart_follows": {
        "en": "The chart follows as a file.",
        "cs": "Graf následuje jako soubor.",
    },
    "chart.day": {"en": "{m}/{d}", "cs": "{d}. {m}."},
}
