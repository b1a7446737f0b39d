"""How answers are written: paraphrases, quotes, partial answers, multi-sentence answers, abstentions.

A guardrail must pass faithful answers however they are worded (a paraphrase, a verbatim quote,
a true subset of the facts, five true sentences, an honest "the documents do not say") and block
the same shapes when they carry one piece of information the sources do not give.
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

FIRE_NOTICE = "In case of fire, dial 112 to reach the fire brigade. Then raise the alarm and leave the building."
LONDON = (
    "London is the capital and largest city of the United Kingdom, with a population of 8.9 million. It stands on "
    "the River Thames in south-east England."
)
SIDE_EFFECT_LIST = "Common side effects were nausea, headache and dizziness; they usually resolved within a week."

# One case per entry, written as a table (fmt: off keeps it that way): id, category, sources, query, answer,
# expected verdict, why.
# fmt: off
ANSWER_CASES: tuple[Case, ...] = (
    # --- paraphrases: same facts, other words ---------------------------------------------------------------
    Case("para-fire-112", "paraphrase", (FIRE_NOTICE,), "Who do I call if there is a fire?",
        "Call the fire brigade on 112.", "grounded", "'dial 112 to reach the fire brigade'"),
    Case("para-fire-112-long", "paraphrase", (SAFETY_RULES,), "What number reaches the fire brigade?",
        "To get the fire brigade, ring 112.", "grounded", "'dial 112 to reach the fire brigade'"),
    Case("para-evacuation", "paraphrase", (SAFETY_RULES,), "What do I do when the fire alarm goes off?",
        "Don't take the lift: get out through the closest marked exit and gather at the assembly point in the "
        "north car park.", "grounded", "lifts, exit and assembly point as stated"),
    Case("para-population", "paraphrase", (LONDON,), "How many people live in London?",
        "8.9 million people live in London.", "grounded", "'with a population of 8.9 million'"),
    Case("para-notice", "paraphrase", (HR_HANDBOOK,), "What is the notice period?",
        "Once probation is over, the notice period is a month.", "grounded", "'After probation ... one month'"),
    Case("para-rest", "paraphrase", (ROASTER_MANUAL,), "When can I brew freshly roasted coffee?",
        "Wait at least a day after roasting before you brew the coffee.", "grounded", "at least 24 hours"),
    Case("para-vitamin", "paraphrase", (VITAMIN_D_ABSTRACT,), "Did vitamin D help?",
        "Giving care-home residents vitamin D3 every day did not cut their respiratory infections.", "grounded",
        "the stated conclusion"),
    Case("para-bridge-builders", "paraphrase", (BRIDGE_HISTORY,), "Who designed and built the bridge?",
        "Helen Marsh designed the bridge, and Dalton & Sons of Sunderland built it.", "grounded", "as stated"),
    Case("para-pension", "paraphrase", (HR_HANDBOOK,), "How does the pension work?",
        "If you pay in at least 4% of your salary, the company adds 6%.", "grounded",
        "'pays 6% of salary ... when the employee contributes at least 4%'"),
    Case("para-fire-after-leaving", "paraphrase", (FIRE_NOTICE,), "Who do I call if there is a fire?",
        "Once you are outside the building, call the fire brigade on 112.", "ungrounded",
        "the notice says dial 112 first, then raise the alarm and leave"),
    Case("para-extension-cord", "paraphrase", (ROASTER_MANUAL,), "Can I use an extension cord?",
        "The R5 can go on an extension cord as long as the cord is rated for 1,600 W.", "ungrounded",
        "never on an extension cord; the rating condition is invented"),
    # --- quotes ---------------------------------------------------------------------------------------------
    Case("quote-overtime-verbatim", "quote", (HR_HANDBOOK,), "What does the handbook say about overtime?",
        'The handbook says: "Overtime must be approved in writing by your line manager before it is worked."',
        "grounded", "verbatim"),
    Case("quote-overtime-misquote", "quote", (HR_HANDBOOK,), "What does the handbook say about overtime?",
        'The handbook says: "Overtime must be approved by your line manager after it is worked."',
        "ungrounded", "before, in writing"),
    Case("quote-glasses-verbatim", "quote", (SAFETY_RULES,), "Do I need safety glasses?",
        'According to the rules, "Safety glasses must be worn at all times in the laboratory."', "grounded",
        "verbatim"),
    Case("quote-lab-coats-misquote", "quote", (SAFETY_RULES,), "Can I wear my lab coat in the canteen?",
        'The rules state: "Lab coats may be worn in the canteen."', "ungrounded", "must not be worn there"),
    Case("quote-conclusion-verbatim", "quote", (VITAMIN_D_ABSTRACT,), "What did the authors conclude?",
        'The authors conclude: "Daily vitamin D3 did not reduce respiratory infections in care-home residents."',
        "grounded", "verbatim"),
    Case("quote-conclusion-population", "quote", (VITAMIN_D_ABSTRACT,), "What did the authors conclude?",
        'The authors conclude: "Daily vitamin D3 did not reduce respiratory infections in hospital patients."',
        "ungrounded", "care-home residents, not hospital patients"),
    Case("quote-span-verbatim", "quote", (BRIDGE_HISTORY,), "How long is the main span?",
        'The history notes that "the main span is 162 metres long".', "grounded", "verbatim"),
    Case("quote-span-misquote", "quote", (BRIDGE_HISTORY,), "How long is the main span?",
        'The history notes that "the main span is 126 metres long".', "ungrounded", "162 metres"),
    Case("quote-unattended-verbatim", "quote", (ROASTER_MANUAL,), "Any safety warnings for the roaster?",
        'The manual warns: "Never leave the roaster unattended while it is running."', "grounded", "verbatim"),
    Case("quote-fabricated", "quote", (ROASTER_MANUAL,), "Any safety warnings for the roaster?",
        'The manual warns: "Never open the drum while the roaster is hot."', "ungrounded",
        "no such sentence in the manual"),
    # --- partial answers: a true subset of the facts --------------------------------------------------------
    Case("part-parental", "partial", (HR_HANDBOOK,), "What does the handbook say about parental leave?",
        "Employees with at least six months of service get 16 weeks of paid parental leave.", "grounded",
        "one of several stated facts"),
    Case("part-hypercalcaemia", "partial", (VITAMIN_D_ABSTRACT,), "What did the trial find?",
        "Hypercalcaemia occurred in 3 residents given vitamin D and in none given placebo.", "grounded",
        "a secondary result, as stated"),
    Case("part-espresso-drop", "partial", (ROASTER_MANUAL,), "How do I roast for espresso?",
        "Drop espresso roasts at 212 °C.", "grounded", "one step of the guide"),
    Case("part-listed", "partial", (BRIDGE_HISTORY,), "Tell me about the bridge.",
        "The bridge was listed as a Grade II structure in 1987.", "grounded", "one fact of the history"),
    Case("part-co2", "partial", (SAFETY_RULES,), "Which extinguisher is for electrical fires?",
        "Use a CO2 extinguisher on electrical fires.", "grounded", "'CO2 extinguishers ... are for electrical fires'"),
    Case("part-certificate", "partial", (HR_HANDBOOK,), "What are the sick leave rules?",
        "You need a doctor's certificate from the fourth day of absence in a row.", "grounded",
        "'from the fourth consecutive day'"),
    Case("part-second-source", "partial", (HR_HANDBOOK, SAFETY_RULES), "What do I do after an accident at work?",
        "Report the accident to your supervisor within 24 hours.", "grounded", "from the second source"),
    Case("part-only-nausea", "partial", (SIDE_EFFECT_LIST,), "What were the common side effects?",
        "The only common side effect was nausea.", "ungrounded", "also headache and dizziness"),
    Case("part-warranty-all", "partial", (ROASTER_MANUAL,), "How long is the warranty?",
        "The warranty covers all parts for 2 years.", "ungrounded", "2 years for the heating element only"),
    # --- multi-sentence answers: all faithful, or exactly one false sentence --------------------------------
    Case("multi-hr-faithful", "multi_sentence", (HR_HANDBOOK,), "What are the rules for new hires?",
        "New hires serve a 12-week probation period. During probation the notice period is one week, and after it "
        "one month. The standard working week is 37.5 hours, from Monday to Friday. Core hours run from 10:00 to "
        "15:00.", "grounded", "four stated facts"),
    Case("multi-hr-one-false", "multi_sentence", (HR_HANDBOOK,), "What are the rules for new hires?",
        "New hires serve a 12-week probation period. During probation the notice period is one week, and after it "
        "one month. The standard working week is 40 hours, from Monday to Friday. Core hours run from 10:00 to "
        "15:00.", "ungrounded", "37.5 hours, not 40"),
    Case("multi-trial-faithful", "multi_sentence", (VITAMIN_D_ABSTRACT,), "Summarise the trial.",
        "The trial enrolled 1,120 care-home residents aged 70 or over in Norway. They received 2,000 IU of vitamin "
        "D3 daily or a placebo for 12 months. About 57% of the vitamin D group and 59% of the placebo group had at "
        "least one respiratory infection. The difference was not statistically significant. Three residents on "
        "vitamin D developed hypercalcaemia.", "grounded", "five stated facts (56.8% and 59.1% rounded)"),
    Case("multi-trial-one-false", "multi_sentence", (VITAMIN_D_ABSTRACT,), "Summarise the trial.",
        "The trial enrolled 1,120 care-home residents aged 70 or over in Norway. They received 2,000 IU of vitamin "
        "D3 daily or a placebo for 12 months. About 57% of the vitamin D group and 59% of the placebo group had at "
        "least one respiratory infection. The study was funded by a vitamin supplement manufacturer. Three "
        "residents on vitamin D developed hypercalcaemia.", "ungrounded", "funded by the Norwegian Research Council"),
    Case("multi-roast-faithful", "multi_sentence", (ROASTER_MANUAL,), "How do I roast espresso on the R5?",
        "Preheat the drum to 200 °C for 10 minutes before loading the beans. First crack usually starts 8 to 10 "
        "minutes after loading. Drop espresso roasts at 212 °C, just before second crack. Cool the beans in the "
        "tray for 4 minutes with the fan on high.", "grounded", "four steps as stated"),
    Case("multi-roast-one-false", "multi_sentence", (ROASTER_MANUAL,), "How do I roast on the R5?",
        "Preheat the drum to 200 °C for 10 minutes before loading the beans. First crack usually starts 8 to 10 "
        "minutes after loading. Drop filter roasts at 212 °C, just before second crack. Cool the beans in the "
        "tray for 4 minutes with the fan on high.", "ungrounded",
        "212 °C is for espresso; filter roasts drop 90 s after first crack"),
    Case("multi-bridge-faithful", "multi_sentence", (BRIDGE_HISTORY,), "Tell me the bridge's history.",
        "The Ravensworth Bridge crosses the River Tyne. Building started in 1925 and it opened in October 1928. "
        "Helen Marsh designed it, on Arthur Blyth's recommendation. Its main span is 162 metres long. The county "
        "council bought it in 1946, when tolls ended.", "grounded", "five stated facts"),
    Case("multi-bridge-one-false", "multi_sentence", (BRIDGE_HISTORY,), "Tell me the bridge's history.",
        "The Ravensworth Bridge crosses the River Tyne. Building started in 1925 and it opened in October 1928. "
        "Helen Marsh designed it, on Arthur Blyth's recommendation. Its main span is 162 metres long. The county "
        "council bought it in 1964, when tolls ended.", "ungrounded", "1946, not 1964"),
    Case("multi-safety-faithful", "multi_sentence", (SAFETY_RULES,), "What do I do in a fire?",
        "Dial 112 and then activate the nearest fire alarm. Do not use the lifts. Go to the assembly point in the "
        "north car park.", "grounded", "three stated steps"),
    Case("multi-safety-one-false", "multi_sentence", (SAFETY_RULES,), "What do I do in a fire?",
        "Dial 112 and then activate the nearest fire alarm. Use the lifts to get out quickly. Go to the assembly "
        "point in the north car park.", "ungrounded", "do not use the lifts"),
    Case("multi-six-faithful", "multi_sentence", (HR_HANDBOOK, SAFETY_RULES), "What should a new starter know?",
        "Employees get 25 days of paid annual leave a year. Up to 5 unused days can be carried over to the next "
        "year. Overtime needs written approval from your line manager beforehand. Safety glasses must be worn at "
        "all times in the laboratory. Eating and drinking are not allowed in any laboratory. Accidents must be "
        "reported to your supervisor within 24 hours.", "grounded", "six stated facts from two sources"),
    Case("multi-six-one-false", "multi_sentence", (HR_HANDBOOK, SAFETY_RULES), "What should a new starter know?",
        "Employees get 25 days of paid annual leave a year. Up to 10 unused days can be carried over to the next "
        "year. Overtime needs written approval from your line manager beforehand. Safety glasses must be worn at "
        "all times in the laboratory. Eating and drinking are not allowed in any laboratory. Accidents must be "
        "reported to your supervisor within 24 hours.", "ungrounded", "up to 5 days carry over, not 10"),
    # --- abstentions: declining adds nothing; a guess after the abstention does -----------------------------
    Case("abst-documents-do-not-say", "abstention", (HR_HANDBOOK,), "How many days can I work from abroad?",
        "The documents do not say.", "grounded", "declines; adds nothing"),
    Case("abst-dress-code", "abstention", (HR_HANDBOOK,), "What is the dress code?",
        "The handbook does not mention a dress code.", "grounded", "true: no dress code in the handbook"),
    Case("abst-i-dont-know", "abstention", (BRIDGE_HISTORY,), "Who painted the bridge?",
        "I don't know.", "grounded", "declines; adds nothing"),
    Case("abst-sorry-cocoa", "abstention", (ROASTER_MANUAL,), "Can the R5 roast cocoa beans?",
        "I'm sorry, but the provided documents don't cover cocoa beans.", "grounded", "declines; adds nothing"),
    Case("abst-no-info-dogs", "abstention", (SAFETY_RULES,), "Can I bring my dog to the lab?",
        "There is no information about dogs in these documents.", "grounded", "declines; adds nothing"),
    Case("abst-children-scope", "abstention", (VITAMIN_D_ABSTRACT,), "What dose was used in children?",
        "The abstract does not cover children; the trial enrolled care-home residents aged 70 or over.", "grounded",
        "declines, then a stated fact"),
    Case("abst-but-true", "abstention", (BRIDGE_HISTORY,), "What colour is the bridge painted?",
        "I don't know what colour it is, but the bridge opened in 1928.", "grounded",
        "the fact after 'but' is stated"),
    Case("abst-but-guess", "abstention", (HR_HANDBOOK,), "How long is probation for managers?",
        "The documents do not say, but managers serve a six-month probation.", "ungrounded",
        "six months is invented (new hires serve 12 weeks)"),
    Case("abst-world-knowledge", "abstention", (ROASTER_MANUAL,), "How often should I descale the R5?",
        "I couldn't find that in the documents, but most manufacturers recommend descaling every three months.",
        "ungrounded", "advice from outside the sources"),
    Case("abst-then-presume", "abstention", (VITAMIN_D_ABSTRACT,), "Were vitamin D blood levels measured?",
        "The abstract does not say. Presumably blood levels were measured at the start and after 12 months.",
        "ungrounded", "the presumption is new information"),
)
# fmt: on
