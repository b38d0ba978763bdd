"""The Charts tab of the Returns dock (the four returns charts on the dark style), and the same
charts drawn light, as pictures for the printed return."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QGridLayout, QWidget

from widgets.dashboard_charts import CHARTS, DARK, PRINT, Chart, DashboardData
from widgets.exhibit_sheet import ensure_gui


class DashboardView(QWidget):
    """Shows what it is given (``show_dashboard``); the console counts it in a worker."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardView")
        self.charts: list[Chart] = [chart(DARK) for chart in CHARTS]
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for i, chart in enumerate(self.charts):
            chart.empty("Counting…")
            grid.addWidget(chart.widget, i // 2, i % 2)

    def show_dashboard(self, d: DashboardData) -> None:
        for chart in self.charts:
            chart.show(d)


def chart_images(d: DashboardData, width: int = 900, height: int = 520, scale: float = 2.5) -> list[tuple[str, QImage]]:
    """(title, picture) of each chart on a white ground. Qt draws widgets on the GUI thread only,
    so the console calls this there and hands the pictures to the worker that writes the PDF.
    ``scale``: device pixels per pixel, so the print is sharp at the size of a page."""
    ensure_gui()
    pictures = []
    for kind in CHARTS:
        chart = kind(PRINT)
        chart.show(d)
        chart.widget.resize(width, height)
        image = QImage(round(width * scale), round(height * scale), QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(scale)
        image.fill(QColor(PRINT.background))
        QWidget.render(chart.widget, image)  # the widget, not QGraphicsView.render(painter)
        pictures.append((kind.title, image))
    return pictures
