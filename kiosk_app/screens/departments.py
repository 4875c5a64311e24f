"""Choose a department: one big button each; closed ones are shown but disabled."""

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk_app.screens.base import KioskScreen
from kiosk_app.texts import location_text, text


class DepartmentScreen(KioskScreen):
    notice = StringProperty("")

    def show(self, flow) -> None:
        self.notice = flow.message.text(flow.language) if flow.message else ""
        box = self.ids.choices
        box.clear_widgets()
        for department in flow.departments:
            name = department.name if flow.language == "vi" else department.name_en
            if department.open_now:
                detail = location_text(department.location, flow.language)
            else:
                detail = text("closed", flow.language)
            button = Factory.BigButton(text=f"{name}\n[size=24sp]{detail}[/size]", markup=True,
                                       disabled=not department.open_now)
            if not department.open_now:
                button.background_color = (0.80, 0.82, 0.84, 1)
            button.bind(on_release=lambda _b, code=department.code: self.choose(code))
            box.add_widget(button)

    def choose(self, code: str) -> None:
        from kivy.app import App

        App.get_running_app().controller.choose_department(code)

    def clear(self) -> None:
        self.ids.choices.clear_widgets()
