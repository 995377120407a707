"""Column headers of the CSV exports, as people read them in a spreadsheet.

The machine names (``--plain``) are the column ids after ``csv.<table>.``; they never change.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # Users (export): Partner Hub's own column words
    "csv.users.broadworks_id": {"en": "BroadWorks ID", "cs": "ID BroadWorks"},
    "csv.users.email": {"en": "Email", "cs": "E-mail"},
    "csv.users.first_name": {"en": "First name", "cs": "Jméno"},
    "csv.users.last_name": {"en": "Last name", "cs": "Příjmení"},
    "csv.users.customer": {"en": "Customer", "cs": "Zákazník"},
    "csv.users.package": {"en": "Package type", "cs": "Typ balíčku"},
    "csv.users.status": {"en": "Status", "cs": "Stav"},
    "csv.users.status_group": {"en": "Status group", "cs": "Skupina stavu"},
    "csv.users.error_code": {"en": "Error code", "cs": "Kód chyby"},
    "csv.users.error_text": {"en": "Error text", "cs": "Text chyby"},
    "csv.users.last_status_change": {"en": "Last status change", "cs": "Poslední změna stavu"},
    # Audit trail (onboard-bot audit export)
    "csv.audit.id": {"en": "Entry", "cs": "Záznam"},
    "csv.audit.time": {"en": "Time (UTC)", "cs": "Čas (UTC)"},
    "csv.audit.person": {"en": "Person", "cs": "Osoba"},
    "csv.audit.via": {"en": "Via", "cs": "Kanál"},
    "csv.audit.space": {"en": "Space", "cs": "Prostor"},
    "csv.audit.action": {"en": "Action", "cs": "Akce"},
    "csv.audit.text": {"en": "Typed text", "cs": "Zadaný text"},
    "csv.audit.target": {"en": "Target", "cs": "Cíl"},
    "csv.audit.result": {"en": "Result", "cs": "Výsledek"},
    "csv.audit.detail": {"en": "Detail", "cs": "Podrobnosti"},
    "csv.audit.correlation_id": {"en": "Correlation ID", "cs": "ID korelace"},
}
