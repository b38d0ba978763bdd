"""The services of one console, built in order from settings (database first) and closed once."""

from __future__ import annotations

from dataclasses import dataclass

from console.anchors import AnchorFile
from console.auth import AuthService
from console.community import CommunityService
from console.dispatch import DispatchService
from console.evidence import EvidenceService
from console.export import ExportService
from console.footage import FootageIndex
from console.letters import LetterService
from console.masks import MaskService
from console.operation import OperationService
from console.partner_actions import PartnerActionService
from console.record import RecordService
from console.registers import RegisterService
from console.retention import RetentionService
from console.returns import ReturnsService
from console.settings import Settings
from console.setup import OperationSetupService
from console.shift import ShiftService
from console.sightings import SightingService
from console.subject_access import SubjectAccessService
from console.support_orders import SupportOrderService
from console.views import ViewService
from storage.db import Database, open_database, upgrade


@dataclass
class Services:
    settings: Settings
    db: Database
    record: RecordService
    operations: OperationService
    shifts: ShiftService
    views: ViewService
    sightings: SightingService
    registers: RegisterService
    dispatch: DispatchService
    anchors: AnchorFile
    footage: FootageIndex
    exports: ExportService
    evidence: EvidenceService
    letters: LetterService
    returns: ReturnsService
    community: CommunityService
    auth: AuthService
    partner_actions: PartnerActionService
    support_orders: SupportOrderService
    masks: MaskService
    setup: OperationSetupService
    retention: RetentionService
    subject_access: SubjectAccessService

    def anchor(self, reason: str) -> None:
        """Write the record's head outside the database (shift start/end, hourly, on demand)."""
        self.anchors.append(self.record.head(), reason)

    def close(self) -> None:
        self.db.dispose()


def build_services(settings: Settings, *, upgrade_schema: bool = True) -> Services:
    db = open_database(settings.db_url)
    if upgrade_schema:
        upgrade(db)
    record = RecordService(db)
    auth = AuthService(db, record)
    footage = FootageIndex(db, record, settings.console_id)
    return Services(
        settings=settings,
        db=db,
        record=record,
        operations=OperationService(db, record),
        shifts=ShiftService(db, record),
        dispatch=DispatchService(db, record),
        views=ViewService(db, settings.operation),
        sightings=SightingService(db, record, settings.stills_dir),
        registers=RegisterService(db, record),
        anchors=AnchorFile(settings.anchor_path),
        footage=footage,
        exports=ExportService(db, record, settings.recordings),
        evidence=EvidenceService(db, record),
        letters=LetterService(db, record),
        returns=ReturnsService(db, record),
        community=CommunityService(db, record),
        auth=auth,
        partner_actions=PartnerActionService(db, record),
        support_orders=SupportOrderService(db, record),
        masks=MaskService(db, record),
        setup=OperationSetupService(db, record, auth),
        retention=RetentionService(db, record, footage, settings.recordings),
        subject_access=SubjectAccessService(db, record),
    )
