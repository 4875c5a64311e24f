"""Choose a clinic: its name large, where it is, and its code small (staff use codes, patients names);
closed ones are shown but disabled."""

from kivy.factory import Factory
from kivy.metrics import sp
from kivy.properties import StringProperty

from kiosk_app.screens.base import KioskScreen
from kiosk_app.texts import location_text, text


class DepartmentScreen(KioskScreen):
    notice = StringProperty("")

    def show(self, flow) -> None:
        from kivy.app import App

        scale = getattr(App.get_running_app(), "text_scale", 1.0)
        small = int(sp(22) * scale)
        self.notice = flow.message.text(flow.language) if flow.message else ""
        box = self.ids.choices
        box.clear_widgets()
        for department in flow.departments:
            name = department.name if flow.language == "vi" else department.name_en
            where = (
                location_text(department.location, flow.language)
                if department.open_now
                else text("closed", flow.language)
            )
            code = text("department_code", flow.language).format(code=department.code)
            detail = f"{where} · {code}" if where else code
            button = Factory.BigButton(
                text=f"[b]{name}[/b]\n[size={small}]{detail}[/size]", markup=True, disabled=not department.open_now
            )
            if not department.open_now:
                button.background_color = (0.80, 0.82, 0.84, 1)
            button.bind(on_release=lambda _b, code=department.code: self.choose(code))
            box.add_widget(button)

    def choose(self, code: str) -> None:
        from kivy.app import App

        App.get_running_app().controller.choose_department(code)

    def clear(self) -> None:
        self.ids.choices.clear_widgets()
