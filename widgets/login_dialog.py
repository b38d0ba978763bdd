"""The login at start: a login name and a password, or on the first run of a database the
administrator to create. The console checks the password in a worker (scrypt takes a moment)
and answers with accept() or refused(words); the dialog never sees a password hash."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class LoginDialog(QDialog):
    login_requested = Signal(str, str)  # login, password
    first_run_requested = Signal(str, str, str)  # login, display name, password

    def __init__(self, operation_title: str, first_run: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first_run = first_run
        self.setWindowTitle(f"Sentinel Console · {operation_title}")
        self.setMinimumWidth(460)
        heading = QLabel(
            "First run: create the administrator of this console's database." if first_run else "Log in to start."
        )
        heading.setObjectName("panelHeading")
        heading.setWordWrap(True)
        self.login = QLineEdit()
        self.login.setMaxLength(60)
        self.name = QLineEdit()
        self.name.setMaxLength(120)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(200)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setMaxLength(200)
        form = QFormLayout()
        form.addRow("Login name", self.login)
        if first_run:
            form.addRow("Full name", self.name)
        form.addRow("Password", self.password)
        if first_run:
            form.addRow("Password again", self.repeat)
        self.problem = QLabel("")
        self.problem.setObjectName("panelStatus")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Create administrator" if first_run else "Log in")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.login.setFocus()

    def _submit(self) -> None:
        login, password = self.login.text().strip(), self.password.text()
        if not login or not password:
            self.problem.setText("Type the login name and the password.")
            return
        if self.first_run and password != self.repeat.text():
            self.problem.setText("The two passwords are not the same.")
            return
        self.ok.setEnabled(False)
        self.problem.setText("Checking…")
        if self.first_run:
            self.first_run_requested.emit(login, self.name.text(), password)
        else:
            self.login_requested.emit(login, password)

    def refused(self, words: str) -> None:
        self.ok.setEnabled(True)
        self.password.clear()
        self.repeat.clear()
        self.password.setFocus()
        self.problem.setText(words)
