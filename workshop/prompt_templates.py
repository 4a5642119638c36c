"""Ready-made prompt sets and default group names, in every UI language."""

from __future__ import annotations

TEMPLATES: dict[str, dict[str, list[str]]] = {
    "strengths-gaps-needs": {
        "fi": [
            "Vahvuudet: mitä toimivia käytäntöjä meillä jo on?",
            "Puutteet: mitä puuttuu tai mikä ei toimi?",
            "Tarpeet: mitä tarvitaan, jotta ihmiset työllistyvät?",
        ],
        "sv": [
            "Styrkor: vilka fungerande arbetssätt har vi redan?",
            "Brister: vad saknas eller fungerar inte?",
            "Behov: vad behövs för att människor ska få arbete?",
        ],
        "en": [
            "Strengths: what working practices do we already have?",
            "Gaps: what is missing or not working?",
            "Needs: what is needed so that people find work?",
        ],
    },
    "information-interpretation-action": {
        "fi": [
            "Tieto: mitä tiedämme tilanteesta?",
            "Tulkinta: mitä se tarkoittaa meille?",
            "Toiminta: mitä teemme seuraavaksi?",
        ],
        "sv": [
            "Information: vad vet vi om läget?",
            "Tolkning: vad betyder det för oss?",
            "Handling: vad gör vi härnäst?",
        ],
        "en": [
            "Information: what do we know about the situation?",
            "Interpretation: what does it mean for us?",
            "Action: what do we do next?",
        ],
    },
}

GROUP_WORD = {"fi": "Ryhmä", "sv": "Grupp", "en": "Group"}


def template_prompts(template: str, language: str) -> list[str] | None:
    by_language = TEMPLATES.get(template)
    return list(by_language[language]) if by_language else None


def numbered_groups(count: int, language: str) -> list[str]:
    return [f"{GROUP_WORD[language]} {number}" for number in range(1, count + 1)]
