"""``retry file``: bulk retry from an attached CSV (preview, refusals, progress, result).

Counted messages (rows, users) are in ``counts.py``; the rest writes counts as "label: n".
"""

MESSAGES: dict[str, dict[str, str]] = {
    "cmd.retry_file.help": {
        "en": "Retry activation of many users at once: attach a CSV (BroadWorks user ID or "
        "current email, then the new email; `,` or `;`; a header row or none) to this message. "
        "You get a preview of the rows ready and refused, then Confirm.",
        "cs": "Opakovat aktivaci mnoha uživatelů najednou: přiložte k této zprávě CSV "
        "(BroadWorks ID uživatele nebo současný e-mail, pak nový e-mail; `,` nebo `;`; se "
        "záhlavím nebo bez). Dostanete náhled řádků připravených a odmítnutých, pak Potvrdit.",
    },
    "bulk.no_file": {
        "en": "Attach the CSV to the message `retry file` (one file: user, new email per row).",
        "cs": "Přiložte CSV ke zprávě `retry file` (jeden soubor: uživatel, nový e-mail na řádek).",
    },
    "bulk.no_files_here": {
        "en": "Files cannot be read here; send `retry file` with the CSV in Webex or the console.",
        "cs": "Soubory zde nelze číst; pošlete `retry file` s CSV ve Webexu nebo v konzoli.",
    },
    "bulk.download_failed": {
        "en": "The file could not be downloaded from Webex ({status}); send it again in a while.",
        "cs": "Soubor se nepodařilo stáhnout z Webexu ({status}); pošlete ho za chvíli znovu.",
    },
    "bulk.too_big": {
        "en": "{name} is {size} kB; a `retry file` CSV may be at most {limit} kB. Split it.",
        "cs": "{name} má {size} kB; CSV pro `retry file` smí mít nejvýš {limit} kB. Rozdělte ho.",
    },
    "bulk.not_csv": {
        "en": "{name} is not a CSV file ({type}). Save it from Excel as *CSV UTF-8* and send "
        "it again.",
        "cs": "{name} není soubor CSV ({type}). Uložte ho v Excelu jako *CSV UTF-8* a pošlete "
        "znovu.",
    },
    "bulk.empty": {
        "en": "{name} has no rows: one user per row, then the new email.",
        "cs": "{name} nemá žádné řádky: na každý řádek uživatel, pak nový e-mail.",
    },
    "bulk.row": {"en": "Row {row}", "cs": "Řádek {row}"},
    "bulk.row.columns": {
        "en": "Two columns are needed: the user (BroadWorks user ID or email), then the new email.",
        "cs": "Jsou potřeba dva sloupce: uživatel (BroadWorks ID nebo e-mail), pak nový e-mail.",
    },
    "bulk.row.not_found": {
        "en": "No user matches `{ref}`.",
        "cs": "Uživatele `{ref}` jsem nenašel.",
    },
    "bulk.row.same_user": {
        "en": "`{user}` is in the file twice; row {row} already retries them.",
        "cs": "`{user}` je v souboru dvakrát; řádek {row} ho už opakuje.",
    },
    "bulk.row.same_email": {
        "en": "The new email `{email}` is in the file twice; row {row} already gives it to "
        "someone.",
        "cs": "Nový e-mail `{email}` je v souboru dvakrát; řádek {row} ho už někomu dává.",
    },
    "bulk.row.error": {
        "en": "The retry failed unexpectedly ({error}); retry this user on their own.",
        "cs": "Opakování nečekaně selhalo ({error}); zkuste tohoto uživatele samostatně.",
    },
    "bulk.not_waiting": {
        "en": "That file is not waiting for a confirmation any more.",
        "cs": "Tento soubor už nečeká na potvrzení.",
    },
    "bulk.preview.file": {
        "en": "Every refused row with its reason is in the attached CSV.",
        "cs": "Všechny odmítnuté řádky s důvodem jsou v přiloženém CSV.",
    },
    "bulk.preview.how": {
        "en": "Confirm with `{command}` (or the button) until {until}; `{cancel}` to drop it.",
        "cs": "Potvrďte příkazem `{command}` (nebo tlačítkem) do {until}; `{cancel}` ho zahodí.",
    },
    "bulk.preview.nothing": {
        "en": "No row is ready, so there is nothing to confirm. Fix the file and send it again.",
        "cs": "Žádný řádek není připraven, není co potvrdit. Opravte soubor a pošlete ho znovu.",
    },
    "bulk.progress": {
        "en": "⏳ Retry file: {n} / {total} ({percent} %) · done: {done} · failed: {failed} · "
        "refused: {refused}",
        "cs": "⏳ Opakování ze souboru: {n} / {total} ({percent} %) · hotovo: {done} · "
        "selhalo: {failed} · odmítnuto: {refused}",
    },
    "bulk.result.counts": {
        "en": "Failed: {failed} · refused when run: {refused} · refused in the preview: {skipped}",
        "cs": "Selhalo: {failed} · odmítnuto při běhu: {refused} · odmítnuto v náhledu: {skipped}",
    },
    "bulk.result.file": {
        "en": "Every row with its outcome is in the attached {file}.",
        "cs": "Všechny řádky s výsledkem jsou v přiloženém {file}.",
    },
    "bulk.outcome.done": {"en": "retried", "cs": "opakováno"},
    "bulk.outcome.failed": {"en": "failed", "cs": "selhalo"},
    "bulk.outcome.refused": {"en": "refused", "cs": "odmítnuto"},
    "bulk.outcome.ready": {"en": "not run", "cs": "nespuštěno"},
    "csv.bulk.row": {"en": "Row", "cs": "Řádek"},
    "csv.bulk.user": {"en": "User", "cs": "Uživatel"},
    "csv.bulk.new_email": {"en": "New email", "cs": "Nový e-mail"},
    "csv.bulk.reason": {"en": "Reason", "cs": "Důvod"},
    "csv.bulk.outcome": {"en": "Outcome", "cs": "Výsledek"},
    "audit.via.bulk": {"en": "retry file", "cs": "opakování ze souboru"},
}
