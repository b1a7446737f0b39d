"""The record of one adversarial grounding case, and the documents several cases share.

The documents are written for this suite (fictional where a real fact could be known to a model
from elsewhere), in the registers a knowledge base holds: an HR handbook, site safety rules, a
product manual, a trial abstract, a local-history note. Each long document carries distractor
facts of the same kind as the asked one (other durations, other extinguishers, other dates), so a
checker that only looks for overlapping words or numbers cannot tell a faithful answer from a
changed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Verdict = Literal["grounded", "ungrounded"]
Category = Literal[
    "relation_swap",
    "number_unit_date",
    "negation",
    "attribute_flip",
    "quantifier",
    "paraphrase",
    "quote",
    "partial",
    "multi_sentence",
    "abstention",
]
CATEGORIES: tuple[Category, ...] = (
    "relation_swap",
    "number_unit_date",
    "negation",
    "attribute_flip",
    "quantifier",
    "paraphrase",
    "quote",
    "partial",
    "multi_sentence",
    "abstention",
)


@dataclass(frozen=True)
class Case:
    """One answer to check. ``expected`` is the verdict under Bedrock's rule, *any new information
    not in the sources is ungrounded*; ``note`` says why, in one line a reviewer can check."""

    id: str
    category: Category
    sources: tuple[str, ...]
    query: str
    answer: str
    expected: Verdict
    note: str


HR_HANDBOOK = (
    "Leave and working time. All employees accrue 25 days of paid annual leave per calendar year; up to 5 unused "
    "days may be carried over into the next year and must be taken by 31 March. Employees with at least six months "
    "of service are entitled to 16 weeks of paid parental leave, which may be taken in one block or in two blocks "
    "within the child's first year. A further 4 weeks of unpaid leave may be requested. Employees must notify their "
    "line manager before 10:00 on the first day of sickness absence; a doctor's certificate is required from the "
    "fourth consecutive day of absence. New hires serve a probation period of 12 weeks, during which the notice "
    "period is one week. After probation the notice period is one month. The standard working week is 37.5 hours, "
    "Monday to Friday. Core hours are 10:00 to 15:00; outside core hours, staff may start and finish flexibly. Some "
    "roles, such as those in the support centre, work in shifts and are not covered by flexible hours. Employees "
    "may work from home up to two days a week with their manager's approval; contractors are not eligible for "
    "remote work. Travel must be booked through the company portal, and receipts must be submitted within 30 days "
    "of the trip. Overtime must be approved in writing by your line manager before it is worked, and is paid at 1.5 "
    "times the hourly rate. Bereavement leave of 5 paid days is granted on the death of a close family member. "
    "Employees called for jury service receive full pay for up to 10 working days. The company pays 6% of salary "
    "into the pension scheme when the employee contributes at least 4%. The annual data-protection course is "
    "mandatory for all staff; the leadership programme is optional and open to staff with at least two years of "
    "service."
)

SAFETY_RULES = (
    "Fire safety. In case of fire, dial 112 to reach the fire brigade, then activate the nearest fire alarm. Do not "
    "use the lifts. Leave the building by the nearest marked exit and go to the assembly point in the north car "
    "park. Fire wardens check each floor before they leave. Water extinguishers (red label) are for wood, paper and "
    "textiles only; never use them on electrical equipment or burning liquids. CO2 extinguishers (black label) are "
    "for electrical fires. Foam extinguishers (cream label) are for burning liquids such as petrol or solvents. "
    "Flammable liquids are stored in the fire-proof cabinet in room B12, and no more than 5 litres may be kept on "
    "an open bench. Gas cylinders must be chained to a wall or bench. "
    "Laboratory rules. Safety glasses must be worn at all times in the laboratory. Lab coats must be worn when "
    "handling chemicals and must not be worn in the canteen. Eating and drinking are prohibited in all "
    "laboratories. Solvent waste is collected in the yellow containers; broken glass goes in the blue boxes. "
    "Visitors must sign in at reception and must be accompanied by a member of staff at all times. First aid kits "
    "are located next to every lift. Report every accident, however minor, to your supervisor within 24 hours."
)

ROASTER_MANUAL = (
    "Roasting guide for the Caldera R5 home roaster. The R5 holds up to 250 g of green coffee per batch. Preheat "
    "the drum to 200 °C for 10 minutes before loading the beans. First crack usually begins 8 to 10 minutes after "
    "loading, at a bean temperature of about 196 °C. For filter roasts, drop the beans about 90 seconds after first "
    "crack begins. Espresso roasts are dropped at 212 °C, shortly before second crack. Never leave the roaster "
    "unattended while it is running. After dropping, cool the beans in the tray for 4 minutes with the fan on "
    "high. Let the coffee rest for at least 24 hours before brewing; espresso roasts benefit from 5 to 7 days of "
    "rest. The chaff collector must be emptied after every batch. The R5 draws 1,600 W and must be plugged "
    "directly into a wall socket, not into an extension cord. The warranty covers the heating element for 2 years "
    "and all other parts for 1 year. If the display shows E3, the drum motor has stalled: switch the "
    "roaster off and remove the beans. E5 means that the bean thermocouple is disconnected."
)

VITAMIN_D_ABSTRACT = (
    "Background: Vitamin D supplementation has been proposed to reduce respiratory infections in older adults. "
    "Methods: In a double-blind randomised trial at 14 care homes in Norway, 1,120 residents aged 70 or over "
    "received either 2,000 IU of vitamin D3 daily or a placebo for 12 months. The primary outcome was the number "
    "of residents with at least one acute respiratory infection. Results: 318 of 560 residents (56.8%) in the "
    "vitamin D group and 331 of 560 (59.1%) in the placebo group had at least one infection; the difference was "
    "not statistically significant (p = 0.42). Hypercalcaemia occurred in 3 residents in the vitamin D group and "
    "in none in the placebo group. Most residents (82%) took at least 90% of their doses. Conclusions: Daily "
    "vitamin D3 did not reduce respiratory infections in care-home residents. The trial was funded by the "
    "Norwegian Research Council, which had no role in the analysis."
)

BRIDGE_HISTORY = (
    "The Ravensworth Bridge. Construction of the Ravensworth Bridge over the River Tyne began in 1925, and the "
    "bridge opened to traffic on 10 October 1928. It was designed by the engineer Helen Marsh and built by the firm "
    "of Dalton & Sons of Sunderland. The main span is 162 metres long; at its opening it was the longest steel arch "
    "in England. Marsh had earlier worked under Arthur Blyth on the High Level viaduct, and Blyth recommended her "
    "for the commission. The bridge replaced a ferry that had crossed the river since 1720. Tolls were charged "
    "until 1946, when the county council bought the bridge from the company. In 1987 the bridge was listed as a "
    "Grade II structure. A pedestrian walkway was added on the east side in 2004."
)
