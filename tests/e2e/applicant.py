"""An applicant filling the dossier in the browser: with the mouse, or with the keyboard only.

The steps are filled field by field in the order of the page, through one of two ``Hands``:
``Mouse`` clicks and types where it wants; ``Keyboard`` reaches every field with Tab (and the
arrow keys inside a group of radio buttons), types, and presses Enter or Space — it fails when a
field cannot be reached, or when the focus it lands on cannot be seen.
"""

from __future__ import annotations

import datetime

from ..helpers.wizard import pdf_bytes

#: The longest walk with Tab from one field to the next before giving up.
MAX_TABS = 40

APPLICANT_EMAIL = "ecrans.partages@example.org"


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": pdf_bytes()}


def css(name: str, value: str | None = None) -> str:
    return f'[name="{name}"]' + (f'[value="{value}"]' if value is not None else "")


class Mouse:
    """Fills the way Playwright does by default: straight to each field."""

    def __init__(self, page):
        self.page = page

    def text(self, name: str, value: str) -> None:
        self.page.fill(css(name), value)

    def date(self, name: str, value: datetime.date) -> None:
        self.page.fill(css(name), value.isoformat())

    def radio(self, name: str, value: str) -> None:
        self.page.check(css(name, value))

    def tick(self, name: str, value: str | None = None) -> None:
        self.page.check(css(name, value))

    def upload(self, name: str, file: dict) -> None:
        self.page.set_input_files(css(name), files=[file])

    def press(self, selector: str) -> None:
        """Click a button (or link) and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.click(selector)


_DESCRIBE_FOCUS = """() => {
  const e = document.activeElement;
  return e ? `${e.tagName.toLowerCase()}${e.name ? "[" + e.name + "]" : ""}` : "nothing";
}"""


class Keyboard(Mouse):
    """Only the keyboard: Tab to each field in turn, type, Space, arrows, Enter."""

    def __init__(self, page):
        super().__init__(page)
        # Playwright catches file dialogs once someone listens: listen from the start, so that
        # the first Enter on a file field cannot open the dialog before the catch is on.
        page.on("filechooser", lambda chooser: None)

    def focused(self, selector: str) -> bool:
        return self.page.evaluate(
            "(s) => document.activeElement !== null && document.activeElement.matches(s)",
            selector,
        )

    def tab_to(self, selector: str) -> None:
        visited = []
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            if self.focused(selector):
                outline = self.page.evaluate(
                    "() => getComputedStyle(document.activeElement).outlineStyle"
                )
                assert outline != "none", f"the focus on {selector} cannot be seen"
                return
            visited.append(self.page.evaluate(_DESCRIBE_FOCUS))
        raise AssertionError(
            f"{selector} cannot be reached with Tab on {self.page.url}; the focus went to: "
            + ", ".join(visited)
        )

    def text(self, name: str, value: str) -> None:
        self.tab_to(css(name))
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(value)

    def date(self, name: str, value: datetime.date) -> None:
        # Chromium's date field takes its order of day and month from the browser's language
        # (headless: month first, whatever the page's language), typed as digits in a row.
        self.tab_to(css(name))
        for order in ("%d%m%Y", "%m%d%Y"):
            self.page.keyboard.type(value.strftime(order))
            if self.page.input_value(css(name)) == value.isoformat():
                return
            self.page.keyboard.press("Shift+Tab")  # back to the first part of the date
            self.page.keyboard.press("Shift+Tab")
        raise AssertionError(f"{name}: the date cannot be typed")

    def radio(self, name: str, value: str) -> None:
        self.tab_to(css(name))
        for _ in range(10):
            if self.focused(css(name, value)):
                self.page.keyboard.press("Space")
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"no radio button {value!r} in {name}")

    def tick(self, name: str, value: str | None = None) -> None:
        self.tab_to(css(name, value))
        self.page.keyboard.press("Space")

    def upload(self, name: str, file: dict) -> None:
        self.tab_to(css(name))
        with self.page.expect_file_chooser() as chooser:
            self.page.keyboard.press("Enter")
        chooser.value.set_files(files=[file])

    def press(self, selector: str) -> None:
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


# --- the steps, field by field in the order of the page ----------------------------------------

SAVE = 'button[type="submit"]:not([name])'  # "Save and continue", "Submit my dossier"


def eligibility(hands, call, *, qualifying: bool = True) -> None:
    for question in call.eligibility_questions.all():
        good = "yes" if question.qualifying_answer else "no"
        bad = "no" if good == "yes" else "yes"
        hands.radio(f"eligibilite-q{question.pk}", good if qualifying else bad)
    hands.press(SAVE)


def organisation(
    hands, *, email: str = APPLICANT_EMAIL, postcode: str = "29200", funded_before: bool = False
) -> None:
    field = "organisation-{}".format
    hands.text(field("organisation_name"), "Les Écrans Partagés")
    hands.radio(field("legal_status"), "association")
    hands.text(field("rna"), "W291234567")
    hands.text(field("address"), "1 rue de la Paix")
    hands.text(field("postcode"), postcode)
    hands.text(field("city"), "Brest")
    hands.text(field("phone"), "02 98 00 00 00")
    hands.text(field("email"), email)
    hands.text(field("presentation"), "Une association de quartier qui accompagne les habitants.")
    hands.text(field("lead_name"), "Camille Exemple")
    if funded_before:
        hands.tick(field("funded_before"))
    hands.text(field("partners-0-name"), "Centre social de Kérourien")
    hands.text(field("partners-0-role"), "Accueil des ateliers")
    hands.press(SAVE)


def project(hands, call) -> None:
    hands.text("projet-title", "Ateliers numériques pour tous")
    hands.text("projet-synthesis", "Des ateliers hebdomadaires ouverts à toutes et tous.")
    hands.text("projet-actions", "Septembre : lancement. Octobre à juin : ateliers.")
    hands.tick("projet-axes", str(call.axes.first().pk))
    hands.press(SAVE)


def objectives(hands) -> None:
    hands.text("objectifs-objectives", "Rendre les habitants autonomes.")
    hands.text("objectifs-audiences", "Personnes âgées, demandeurs d'emploi.")
    hands.text("objectifs-facilitators", "Deux animateurs salariés et des bénévoles.")
    hands.press(SAVE)


def budget(hands, *, start: datetime.date | None = None, end: datetime.date | None = None):
    today = datetime.date.today()
    start = start or today + datetime.timedelta(days=60)
    end = end or today + datetime.timedelta(days=240)
    hands.text("budget-requested_amount", "2000")
    hands.text("budget-total_amount", "4000")
    hands.date("budget-start_date", start)
    hands.date("budget-end_date", end)
    hands.text("budget-expenses-0-label", "Animation")
    hands.text("budget-expenses-0-amount", "3000")
    hands.text("budget-expenses-1-label", "Matériel")
    hands.text("budget-expenses-1-amount", "1000")
    hands.text("budget-income-0-label", "Fonds propres")
    hands.text("budget-income-0-amount", "2000")
    hands.press(SAVE)


def documents(hands, call, *, has_partners: bool = True, funded_before: bool = False) -> list[str]:
    """Attach every document the dossier needs; returns their labels."""
    from aap_wagtail import rules

    applicable = rules.applicable_documents(
        call, has_partners=has_partners, funded_before=funded_before
    )
    for n, document in enumerate(applicable, start=1):
        hands.upload(f"documents-doc{document.pk}", pdf(f"piece-{n}.pdf"))
    hands.press(SAVE)
    return [document.label for document in applicable]


def previous_report(hands) -> None:
    """The step for organisations funded by an earlier edition."""
    hands.text("bilan-previous_title", "Ateliers numériques 2025")
    hands.text("bilan-results", "Vingt ateliers, trente participants réguliers.")
    hands.text("bilan-next_steps", "Ouvrir un second créneau le samedi.")
    hands.text("bilan-previous_budget", "2 000 € dépensés sur 2 000 € reçus.")
    hands.press(SAVE)


def review(hands) -> None:
    hands.tick("envoi-consent_publication")
    hands.tick("envoi-consent_data")
    hands.press(SAVE)


def step_name(page) -> str:
    """The step the page shows, from the wizard's hidden field."""
    return page.get_attribute('input[name$="-current_step"]', "value")
