"""Messages explaining Control Hub states and how users enter them.

The state labels themselves (``state.<value>``) live in ``errors.py``; the texts here take them as
parameters (``{active}``, ``{state}``...) so that Czech always shows the article's exact words.
Czech sentences follow the Czech source article where it is grammatical, corrected where not.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # Refusals of a transition no rule allows
    "lifecycle.refused": {
        "en": "Not possible: {event} does not apply to a user in the state {state}.",
        "cs": "Nelze: {event} neplatí pro uživatele ve stavu {state}.",
    },
    "lifecycle.refused.outside": {
        "en": "Not possible: {event} does not apply to a user who is not in the org yet.",
        "cs": "Nelze: {event} neplatí pro uživatele, který ještě není v organizaci.",
    },
    "lifecycle.refused.facts": {
        "en": "Not possible: {event} of a user ({state}) leads to no known state with these "
        "facts: {facts}.",
        "cs": "Nelze: {event} uživatele ({state}) s těmito údaji nevede k žádnému známému "
        "stavu: {facts}.",
    },
    "lifecycle.outside": {"en": "not in the org yet", "cs": "zatím mimo organizaci"},
    "lifecycle.fact.domain_verified": {
        "en": "email domain verified: {value}",
        "cs": "e-mailová doména ověřena: {value}",
    },
    "lifecycle.fact.previous_state": {
        "en": "previous state: {value}",
        "cs": "předchozí stav: {value}",
    },
    "lifecycle.fact.yes": {"en": "yes", "cs": "ano"},
    "lifecycle.fact.no": {"en": "no", "cs": "ne"},
    "lifecycle.fact.not_given": {"en": "not given", "cs": "neuvedeno"},
    # Events, as noun phrases (used inside the refusals)
    "lifecycle.event.added_by_admin": {
        "en": "adding by an admin",
        "cs": "přidání správcem",
    },
    "lifecycle.event.added_by_ad_sync": {
        "en": "adding by Active Directory sync",
        "cs": "přidání synchronizací služby Active Directory",
    },
    "lifecycle.event.added_by_site_linking": {
        "en": "adding by site linking",
        "cs": "přidání propojením webu",
    },
    "lifecycle.event.converted_from_other_org": {
        "en": "conversion from another org",
        "cs": "převod z jiné organizace",
    },
    "lifecycle.event.claimed_delayed": {
        "en": "a delayed claim",
        "cs": "odložené nárokování",
    },
    "lifecycle.event.email_verified": {
        "en": "email verification",
        "cs": "ověření e-mailu",
    },
    "lifecycle.event.first_sign_in": {
        "en": "the first sign-in",
        "cs": "první přihlášení",
    },
    "lifecycle.event.deactivated_by_admin": {
        "en": "deactivation by an admin",
        "cs": "deaktivace správcem",
    },
    "lifecycle.event.deactivated_by_ad_sync": {
        "en": "deactivation by Active Directory sync",
        "cs": "deaktivace synchronizací služby Active Directory",
    },
    "lifecycle.event.reactivated": {
        "en": "reactivation by an admin",
        "cs": "opětovná aktivace správcem",
    },
    "lifecycle.event.claim_decided": {
        "en": "the user's decision about the claim",
        "cs": "rozhodnutí uživatele o nároku",
    },
    "lifecycle.event.claim_deadline_passed": {
        "en": "the end of the claim period",
        "cs": "uplynutí lhůty nároku",
    },
    # What each state means
    "lifecycle.meaning.active": {
        "en": "The user is part of the org and is using, or is ready to use, their collaboration "
        "services. This is the ideal state.",
        "cs": "Uživatel je součástí organizace a používá nebo je připraven používat své služby "
        "spolupráce. To je ideální stav.",
    },
    "lifecycle.meaning.verified": {
        "en": "The user is part of the org and their identity has been verified. They are ready "
        "to use their services but have not signed in yet.",
        "cs": "Uživatel je součástí organizace. Identita uživatele byla ověřena. Uživatel je "
        "připraven používat své služby, ale ještě se nepřihlásil.",
    },
    "lifecycle.meaning.not_verified": {
        "en": "The user is part of the org, but their identity has not been verified yet. They "
        "may still verify it when they first access Webex.",
        "cs": "Uživatel je součástí organizace, ale jeho identita ještě nebyla ověřena. Při "
        "prvním přístupu k Webexu může svou identitu stále ověřit.",
    },
    "lifecycle.meaning.inactive": {
        "en": "The user was deactivated by an admin or by Active Directory sync. No new user is "
        "ever created in this state.",
        "cs": "Uživatel byl deaktivován správcem nebo synchronizací služby Active Directory. "
        "V tomto stavu nelze vytvořit nového uživatele.",
    },
    "lifecycle.meaning.delayed_claim": {
        "en": "The user was claimed into your org but has not yet decided what to do with the "
        "data from their previous org. They have {days} to decide before the default "
        "action happens; both change the user's state.",
        "cs": "Uživatel byl úspěšně nárokován do vaší organizace, ale dosud se nerozhodl, jak "
        "naložit s daty z předchozí organizace. Rozhodnout se může ve lhůtě {days}, než "
        "dojde k výchozí akci; obojí změní stav uživatele.",
    },
    # Whether the user can use services
    "lifecycle.services.active": {
        "en": "Can use services: yes.",
        "cs": "Může používat služby: ano.",
    },
    "lifecycle.services.verified": {
        "en": "Can use services: yes, ready to; has not signed in yet.",
        "cs": "Může používat služby: ano, je připraven; ještě se nepřihlásil.",
    },
    "lifecycle.services.not_verified": {
        "en": "Can use services: no, not while stuck in this state.",
        "cs": "Může používat služby: ne, dokud v tomto stavu uvízl.",
    },
    "lifecycle.services.inactive": {
        "en": "Can use services: no, the user is deactivated.",
        "cs": "Může používat služby: ne, uživatel je deaktivován.",
    },
    "lifecycle.services.delayed_claim": {
        "en": "Can use services: Cisco's article does not say.",
        "cs": "Může používat služby: článek Cisco to neuvádí.",
    },
    # What moves a user on from each state
    "lifecycle.moves_on.active": {
        "en": "Nothing to do: no further admin action is needed.",
        "cs": "Není nutné žádné další administrativní opatření.",
    },
    "lifecycle.moves_on.verified": {
        "en": "No admin action is needed: the first sign-in makes the user {active}.",
        "cs": "Není nutná žádná akce správce: první přihlášení změní stav na {active}.",
    },
    "lifecycle.moves_on.not_verified": {
        "en": "Verifying their email makes the user {verified}. Re-send the email invitation; "
        "invitations can also be re-sent in bulk.",
        "cs": "Ověřením e-mailu přejde uživatel do stavu {verified}. Znovu odešlete e-mailovou "
        "pozvánku; pozvánky lze odeslat znovu i hromadně.",
    },
    "lifecycle.moves_on.inactive": {
        "en": "Only an admin brings the user back: reactivate them if that is intended.",
        "cs": "Vrátit uživatele může jen správce: pokud je to záměr, znovu jej aktivujte.",
    },
    "lifecycle.moves_on.delayed_claim": {
        "en": "The user's decision, or the default action after {days}, moves their account "
        "into your org. Remind the user before the deadline.",
        "cs": "Účet uživatele do vaší organizace přesune jeho rozhodnutí, nebo výchozí akce po "
        "uplynutí lhůty {days}. Připomeňte uživateli rozhodnutí před koncem lhůty.",
    },
    # Admin next steps
    "lifecycle.step.resend_invitation": {
        "en": "Re-send the email invitation.",
        "cs": "Znovu odešlete e-mailovou pozvánku.",
    },
    "lifecycle.step.bulk_resend_invitations": {
        "en": "Re-send the email invitations in bulk (one bulk job per org at a time): "
        "https://help.webex.com/nyi1dxj",
        "cs": "Hromadně znovu odešlete e-mailové pozvánky (v organizaci smí běžet jen jedna "
        "hromadná úloha najednou): https://help.webex.com/nyi1dxj",
    },
    "lifecycle.step.reactivate_if_intended": {
        "en": "Reactivate the user if the deactivation was not intended.",
        "cs": "Pokud deaktivace nebyla záměrná, uživatele znovu aktivujte.",
    },
    "lifecycle.step.remind_before_deadline": {
        "en": "Remind the user to decide before the deadline.",
        "cs": "Připomeňte uživateli, aby se rozhodl před koncem lhůty.",
    },
    # How the user got here, one sentence per entry rule
    "lifecycle.how.added_domain_not_verified": {
        "en": "You added the user and their email domain is not verified in your org.",
        "cs": "Přidali jste uživatele a jeho e-mailová doména není ve vaší organizaci ověřena.",
    },
    "lifecycle.how.converted_not_verified": {
        "en": "You converted an unverified user from another org and their email domain is not "
        "verified in your org.",
        "cs": "Převedli jste neověřeného uživatele z jiné organizace a jeho e-mailová doména "
        "není ve vaší organizaci ověřena.",
    },
    "lifecycle.how.email_verified": {
        "en": "The user completed email verification, which changed their state from "
        "{not_verified} to {verified}.",
        "cs": "Uživatel prošel procesem ověření e-mailu. Tím se změnil jeho stav z "
        "{not_verified} na {verified}.",
    },
    "lifecycle.how.added_domain_verified": {
        "en": "You verified the email domain and then added the user (by a method other than "
        "AD sync).",
        "cs": "Ověřili jste e-mailovou doménu a pak přidali uživatele (metodou, která není "
        "synchronizací služby AD).",
    },
    "lifecycle.how.added_by_site_linking": {
        "en": "You added the user to the org by site linking.",
        "cs": "Uživatele jste do organizace přidali propojením webu.",
    },
    "lifecycle.how.converted_verified": {
        "en": "You converted a verified user from another org.",
        "cs": "Převedli jste ověřeného uživatele z jiné organizace.",
    },
    "lifecycle.how.converted_after_domain_verified": {
        "en": "You verified the email domain and then converted an unverified user from another "
        "org.",
        "cs": "Ověřili jste e-mailovou doménu a pak jste převedli neověřeného uživatele z jiné "
        "organizace.",
    },
    "lifecycle.how.first_sign_in": {
        "en": "The user signed in to Webex for the first time, which moved them from {verified} "
        "to {active}.",
        "cs": "Uživatel se poprvé přihlásil k Webexu. První přihlášení přesunulo jeho stav z "
        "{verified} na {active}.",
    },
    "lifecycle.how.ad_sync_domain_verified": {
        "en": "You verified that their email domain belongs to your org and then synchronized "
        "the user from Active Directory; that makes the user active even before they sign in.",
        "cs": "Ověřili jste, že jejich e-mailová doména patří vaší organizaci, a poté jste "
        "uživatele synchronizovali ze služby Active Directory. Tato kombinace akcí aktivuje "
        "uživatele, i když se ještě nepřihlásil.",
    },
    "lifecycle.how.converted_active": {
        "en": "You converted an active user from another org.",
        "cs": "Převedli jste aktivního uživatele z jiné organizace.",
    },
    "lifecycle.how.deactivated_by_admin": {
        "en": "An admin deactivated the user.",
        "cs": "Uživatele deaktivoval správce.",
    },
    "lifecycle.how.deactivated_by_ad_sync": {
        "en": "Active Directory sync deactivated the user.",
        "cs": "Uživatele deaktivovala synchronizace služby Active Directory.",
    },
    "lifecycle.how.claimed_delayed": {
        "en": "You claimed the user into your org with a delayed claim; they have not yet "
        "decided what to do with the data from their previous org.",
        "cs": "Nárokovali jste uživatele do své organizace s odloženým nárokem; dosud se "
        "nerozhodl, jak naložit s daty z předchozí organizace.",
    },
    "lifecycle.how.claim_decided": {
        "en": "The user signed in and decided what to do with their old account; their account "
        "is now in your org.",
        "cs": "Uživatel se přihlásil a rozhodl, co udělat se starým účtem; jeho účet je nyní ve "
        "vaší organizaci.",
    },
    "lifecycle.how.claim_default_action": {
        "en": "The user did not decide within {days}, so the default action moved their "
        "account and conversations into your org.",
        "cs": "Uživatel se nerozhodl ve lhůtě {days}, a tak výchozí akce přesunula jeho účet "
        "a konverzace do vaší organizace.",
    },
    "lifecycle.how.reactivated_active": {
        "en": "An admin reactivated the user, who is back in the state they had before the "
        "deactivation: {state}.",
        "cs": "Správce uživatele znovu aktivoval; uživatel je zpět ve stavu, který měl před "
        "deaktivací: {state}.",
    },
    "lifecycle.how.reactivated_verified": {
        "en": "An admin reactivated the user, who is back in the state they had before the "
        "deactivation: {state}.",
        "cs": "Správce uživatele znovu aktivoval; uživatel je zpět ve stavu, který měl před "
        "deaktivací: {state}.",
    },
    "lifecycle.how.reactivated_not_verified": {
        "en": "An admin reactivated the user, who is back in the state they had before the "
        "deactivation: {state}.",
        "cs": "Správce uživatele znovu aktivoval; uživatel je zpět ve stavu, který měl před "
        "deaktivací: {state}.",
    },
    "lifecycle.how.unknown": {
        "en": "How the user got into this state is not recorded.",
        "cs": "Jak se uživatel do tohoto stavu dostal, není zaznamenáno.",
    },
    "lifecycle.source.target_inferred": {
        "en": "(Our inference: Cisco's article does not say which state this leads to.)",
        "cs": "(Náš odhad: článek Cisco neuvádí, do jakého stavu to vede.)",
    },
    "lifecycle.source.assumed": {
        "en": "(Our assumption: Cisco's article does not describe this.)",
        "cs": "(Náš předpoklad: článek Cisco to nepopisuje.)",
    },
    # One user's state, with durations and the claim deadline
    "lifecycle.user.since": {
        "en": "{state} since {date} ({days}).",
        "cs": "{state} od {date} ({days}).",
    },
    "lifecycle.user.deadline": {
        "en": "Deadline to decide: {date}; {days} left.",
        "cs": "Lhůta pro rozhodnutí: {date}; zbývá {days}.",
    },
    "lifecycle.user.deadline_today": {
        "en": "Deadline to decide: {date}; less than a day left.",
        "cs": "Lhůta pro rozhodnutí: {date}; zbývá méně než den.",
    },
    "lifecycle.user.deadline_passed": {
        "en": "The deadline to decide passed on {date}; the default action should already have "
        "moved the user.",
        "cs": "Lhůta pro rozhodnutí uplynula {date}; výchozí akce už měla uživatele přesunout.",
    },
    # Why a user counts as stuck
    "lifecycle.stuck.not_verified_too_long": {
        "en": "{state} for {days}: the user cannot use services until verified.",
        "cs": "{state} už {days}: dokud nebude ověřen, nemůže uživatel používat služby.",
    },
    "lifecycle.stuck.claim_deadline_near": {
        "en": "{state}: the deadline to decide is {date} ({days} left).",
        "cs": "{state}: lhůta pro rozhodnutí končí {date} (zbývá {days}).",
    },
    "lifecycle.stuck.claim_deadline_passed": {
        "en": "{state}: the deadline to decide passed on {date}.",
        "cs": "{state}: lhůta pro rozhodnutí uplynula {date}.",
    },
    # Dates: CLDR patterns Babel writes in the locale (counted days: i18n/catalog/counts.py)
    "lifecycle.date": {"en": "yyyy-MM-dd", "cs": "d. M. y"},
}
