"""Changed facts: relation swaps, numbers/units/dates, negation, attribute flips, quantifiers.

Each category pairs changed answers (ungrounded) with faithful ones phrased differently from the
source (grounded), so that neither "always flag" nor "always pass" scores well.
"""

from __future__ import annotations

from tests.grounding.cases.case import (
    BRIDGE_HISTORY,
    HR_HANDBOOK,
    ROASTER_MANUAL,
    SAFETY_RULES,
    VITAMIN_D_ABSTRACT,
    Case,
)

CAPITALS = "London is the capital of the UK. Tokyo is the capital of Japan."
ACQUISITION = (
    "In 2018 Northwind Traders acquired Contoso, a smaller logistics firm based in Leeds. Contoso's founder, "
    "Priya Shah, left the company a year later."
)
RIVERS = "Budapest lies on the Danube. Warsaw lies on the Vistula. Both rivers flow into different seas."
LAPTOPS = "The ZX-200 weighs 1.2 kg and the ZX-300 weighs 1.8 kg. Both models ship with a 65 W charger."
RELAPSE = (
    "In the 24-month follow-up, relapse occurred in 12% of patients treated with azathioprine and in 21% of "
    "patients treated with methotrexate."
)
ORG_CHART = (
    "Each support team has a team lead. Team leads report to the head of customer operations, who reports to the "
    "chief operating officer."
)
LIBRARY = "The library's east wing reopened in 2019 after a two-year renovation funded by the city."
TRAIL = "The coastal trail is 14 km long and takes about four hours to walk. Dogs must be kept on a lead."
REFUNDS = "Refunds are issued within 14 days of receiving the returned item. Shipping costs are not refunded."
PARACETAMOL = (
    "Adults may take 500 mg to 1 g of paracetamol every four to six hours, up to a maximum of 4 g in 24 hours. "
    "Do not take it with other products that contain paracetamol."
)
EARBUDS = (
    "The Aero 3 earbuds are not waterproof; they resist light splashes only (IPX4). The charging case provides "
    "three full charges."
)
CAMPUS = "Smoking is not permitted anywhere on the campus, including the car parks."
JOB_AD = (
    "We are hiring a data analyst. This is a part-time position of 20 hours per week, based in our Leeds office. "
    "The salary is pro rata."
)
BACKUPS = "Backups run every night after the batch import finishes, and each backup is kept for 30 days."
FERRY = "The ferry usually leaves Oban at 07:15; during winter storms sailings are sometimes cancelled."
SIDE_EFFECTS = "Side effects were rare and mostly mild; two patients stopped treatment because of a rash."
WATER = "None of the 40 water samples taken in March exceeded the legal limit for lead."

_Q_CAPITAL = "What is the capital of Japan?"

# One case per entry, written as a table (fmt: off keeps it that way): id, category, sources, query, answer,
# expected verdict, why.
# fmt: off
FACT_CASES: tuple[Case, ...] = (
    # --- relation swaps: both names occur in the source, the relation between them is changed -------------
    Case("rel-capital-swap", "relation_swap", (CAPITALS,), _Q_CAPITAL, "The capital of Japan is London.",
        "ungrounded", "London is the UK's capital; Tokyo is Japan's"),
    Case("rel-capital-faithful", "relation_swap", (CAPITALS,), _Q_CAPITAL, "Tokyo is Japan's capital.",
        "grounded", "same relation, reordered words"),
    Case("rel-acquirer-swap", "relation_swap", (ACQUISITION,), "Who acquired whom in 2018?",
        "Contoso acquired Northwind Traders in 2018.", "ungrounded", "Northwind acquired Contoso, not the reverse"),
    Case("rel-acquirer-passive", "relation_swap", (ACQUISITION,), "Who acquired whom in 2018?",
        "Contoso was bought by Northwind Traders in 2018.", "grounded", "passive voice, same direction"),
    Case("rel-mentor-swap", "relation_swap", (BRIDGE_HISTORY,), "Who had Helen Marsh worked with?",
        "Arthur Blyth had earlier worked under Helen Marsh on the High Level viaduct.", "ungrounded",
        "Marsh worked under Blyth"),
    Case("rel-extinguisher-swap", "relation_swap", (SAFETY_RULES,), "Which extinguisher is for burning petrol?",
        "CO2 extinguishers are the ones to use on burning liquids such as petrol.", "ungrounded",
        "foam is for burning liquids; CO2 is for electrical fires"),
    Case("rel-river-swap", "relation_swap", (RIVERS,), "Which river flows through Warsaw?",
        "Warsaw lies on the Danube.", "ungrounded", "Warsaw is on the Vistula; Budapest on the Danube"),
    Case("rel-weight-swap", "relation_swap", (LAPTOPS,), "How much does the ZX-200 weigh?",
        "The ZX-200 weighs 1.8 kg.", "ungrounded", "1.8 kg is the ZX-300's weight"),
    Case("rel-comparison-swap", "relation_swap", (RELAPSE,), "Which drug had fewer relapses?",
        "Relapse was less common with methotrexate than with azathioprine.", "ungrounded",
        "12% with azathioprine < 21% with methotrexate"),
    Case("rel-comparison-faithful", "relation_swap", (RELAPSE,), "Which drug had fewer relapses?",
        "Patients on azathioprine relapsed less often than patients on methotrexate.", "grounded",
        "12% < 21%, stated as a comparison"),
    Case("rel-reports-to-swap", "relation_swap", (ORG_CHART,), "Who does the COO report to?",
        "The chief operating officer reports to the head of customer operations.", "ungrounded",
        "the head of customer operations reports to the COO"),
    # --- numbers, units, dates ------------------------------------------------------------------------------
    Case("num-leave-weeks", "number_unit_date", (HR_HANDBOOK,), "How long is parental leave?",
        "Employees get 12 weeks of paid parental leave.", "ungrounded",
        "16 weeks; 12 weeks is the probation period"),
    Case("num-celsius-fahrenheit", "number_unit_date", (ROASTER_MANUAL,), "When are espresso roasts dropped?",
        "Espresso roasts are dropped at 212 °F.", "ungrounded", "212 °C, not °F"),
    Case("num-year", "number_unit_date", (LIBRARY,), "When did the east wing reopen?",
        "The east wing reopened in 2021.", "ungrounded", "2019"),
    Case("num-km-miles", "number_unit_date", (TRAIL,), "How long is the coastal trail?",
        "The coastal trail is 14 miles long.", "ungrounded", "14 km, not miles"),
    Case("num-grams-kilograms", "number_unit_date", (ROASTER_MANUAL,), "How much coffee does the R5 hold?",
        "The R5 can roast up to 250 kg of green coffee per batch.", "ungrounded", "250 g, not kg"),
    Case("num-months-from-distractor", "number_unit_date", (VITAMIN_D_ABSTRACT,), "How long did the trial run?",
        "Residents took vitamin D3 or a placebo for 14 months.", "ungrounded",
        "12 months; 14 is the number of care homes"),
    Case("num-dose-interval", "number_unit_date", (PARACETAMOL,), "What is the maximum dose of paracetamol?",
        "Adults may take up to 4 g of paracetamol every four hours.", "ungrounded",
        "4 g is the maximum per 24 hours"),
    Case("num-days-as-weeks", "number_unit_date", (REFUNDS,), "How fast are refunds issued?",
        "You get your refund within two weeks of the item arriving back.", "grounded", "14 days = two weeks"),
    Case("num-date-format", "number_unit_date", (BRIDGE_HISTORY,), "When did the bridge open?",
        "The Ravensworth Bridge opened to traffic on October 10, 1928.", "grounded", "10 October 1928"),
    Case("num-max-dose-faithful", "number_unit_date", (PARACETAMOL,), "What is the maximum dose of paracetamol?",
        "Adults should not take more than 4 g of paracetamol in 24 hours.", "grounded", "the stated maximum"),
    Case("num-receipts-days", "number_unit_date", (HR_HANDBOOK,), "When are receipts due?",
        "Receipts must be submitted within 60 days of the trip.", "ungrounded", "30 days"),
    # --- negation added or removed --------------------------------------------------------------------------
    Case("neg-espresso-never", "negation", (ROASTER_MANUAL,), "Are espresso roasts dropped at 212 °C?",
        "No, espresso roasts are never dropped at 212 °C.", "ungrounded", "the manual says they are"),
    Case("neg-espresso-yes", "negation", (ROASTER_MANUAL,), "Are espresso roasts dropped at 212 °C?",
        "Yes, espresso roasts are dropped at 212 °C, shortly before second crack.", "grounded", "as stated"),
    Case("neg-visitors-sign-in", "negation", (SAFETY_RULES,), "Do visitors need to sign in?",
        "Visitors do not need to sign in at reception.", "ungrounded", "visitors must sign in"),
    Case("neg-waterproof-removed", "negation", (EARBUDS,), "Are the Aero 3 earbuds waterproof?",
        "The Aero 3 earbuds are waterproof.", "ungrounded", "they are not waterproof (IPX4 splashes only)"),
    Case("neg-contractors-removed", "negation", (HR_HANDBOOK,), "Can contractors work from home?",
        "Contractors are eligible for remote work.", "ungrounded", "contractors are not eligible"),
    Case("neg-vitamin-removed", "negation", (VITAMIN_D_ABSTRACT,), "Did vitamin D help?",
        "Daily vitamin D3 reduced respiratory infections in care-home residents.", "ungrounded",
        "it did not reduce them"),
    Case("neg-smoking-car-parks", "negation", (CAMPUS,), "Can I smoke in the car park?",
        "Smoking is allowed in the campus car parks.", "ungrounded", "not permitted, car parks included"),
    Case("neg-water-extinguisher-faithful", "negation", (SAFETY_RULES,), "Can I use water on an electrical fire?",
        "Water extinguishers must not be used on electrical equipment.", "grounded",
        "'never use them on electrical equipment'"),
    Case("neg-significance-faithful", "negation", (VITAMIN_D_ABSTRACT,), "Was the difference significant?",
        "The difference in infections between the two groups was not statistically significant.", "grounded",
        "as stated (p = 0.42)"),
    Case("neg-smoking-faithful", "negation", (CAMPUS,), "Can I smoke in the car park?",
        "No, you cannot smoke in the campus car parks.", "grounded", "'not permitted ... including the car parks'"),
    # --- attribute flips ------------------------------------------------------------------------------------
    Case("attr-leave-unpaid", "attribute_flip", (HR_HANDBOOK,), "Is parental leave paid?",
        "Parental leave is 16 weeks unpaid.", "ungrounded", "16 weeks of paid leave; the extra 4 weeks are unpaid"),
    Case("attr-annual-leave-unpaid", "attribute_flip", (HR_HANDBOOK,), "How much annual leave do I get?",
        "Employees accrue 25 days of unpaid annual leave per year.", "ungrounded", "paid annual leave"),
    Case("attr-full-time", "attribute_flip", (JOB_AD,), "Is the analyst job full-time?",
        "The data analyst position is full-time and based in Leeds.", "ungrounded", "part-time, 20 hours"),
    Case("attr-part-time-faithful", "attribute_flip", (JOB_AD,), "Is the analyst job full-time?",
        "No, it is a part-time job of 20 hours a week in the Leeds office.", "grounded", "as stated"),
    Case("attr-mandatory-optional", "attribute_flip", (HR_HANDBOOK,), "Is the data-protection course required?",
        "The annual data-protection course is optional.", "ungrounded", "mandatory for all staff"),
    Case("attr-optional-faithful", "attribute_flip", (HR_HANDBOOK,), "Do I have to join the leadership programme?",
        "No, the leadership programme is voluntary.", "grounded", "'optional'"),
    Case("attr-overtime-after", "attribute_flip", (HR_HANDBOOK,), "When must overtime be approved?",
        "Overtime must be approved in writing after it has been worked.", "ungrounded", "before it is worked"),
    Case("attr-backups-before", "attribute_flip", (BACKUPS,), "When do backups run?",
        "Backups run every night before the batch import starts.", "ungrounded", "after the import finishes"),
    Case("attr-assembly-south", "attribute_flip", (SAFETY_RULES,), "Where is the assembly point?",
        "The assembly point is in the south car park.", "ungrounded", "north car park"),
    Case("attr-compulsory-faithful", "attribute_flip", (SAFETY_RULES,), "Do I need safety glasses in the lab?",
        "Safety glasses are compulsory at all times in the laboratory.", "grounded", "'must be worn at all times'"),
    # --- quantifiers ----------------------------------------------------------------------------------------
    Case("quant-flexible-all", "quantifier", (HR_HANDBOOK,), "Who has flexible hours?",
        "All staff are covered by flexible hours.", "ungrounded", "some roles (support centre shifts) are not"),
    Case("quant-ferry-always", "quantifier", (FERRY,), "When does the ferry leave Oban?",
        "The ferry always leaves Oban at 07:15.", "ungrounded", "usually; storms sometimes cancel sailings"),
    Case("quant-side-effects-none", "quantifier", (SIDE_EFFECTS,), "Did anyone stop treatment?",
        "None of the patients stopped treatment because of side effects.", "ungrounded", "two stopped (rash)"),
    Case("quant-doses-all", "quantifier", (VITAMIN_D_ABSTRACT,), "Did residents take their doses?",
        "All residents took at least 90% of their doses.", "ungrounded", "most (82%) did"),
    Case("quant-labs-some", "quantifier", (SAFETY_RULES,), "Can I eat in the lab?",
        "Eating is allowed in some of the laboratories.", "ungrounded", "prohibited in all laboratories"),
    Case("quant-first-crack-always", "quantifier", (ROASTER_MANUAL,), "When does first crack start?",
        "First crack always begins exactly 8 minutes after loading.", "ungrounded", "usually 8 to 10 minutes"),
    Case("quant-visitors-every", "quantifier", (SAFETY_RULES,), "Do visitors need to sign in?",
        "Every visitor has to sign in at reception.", "grounded", "'Visitors must sign in'"),
    Case("quant-water-none-faithful", "quantifier", (WATER,), "Was there lead in the water?",
        "No water sample taken in March was above the legal limit for lead.", "grounded", "none of the 40"),
    Case("quant-doses-most-faithful", "quantifier", (VITAMIN_D_ABSTRACT,), "Did residents take their doses?",
        "Most residents took at least 90% of their doses.", "grounded", "82%"),
)
# fmt: on
