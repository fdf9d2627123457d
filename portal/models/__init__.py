"""All models, importable from one place. Feature modules add theirs to ALL_MODELS."""
import peewee

from portal.models.api import ApiToken
from portal.models.audit import AuditLog
from portal.models.chains import ChainInfo, ReviewDecision, TargetEnterprise
from portal.models.org import ROLES, UNIT_KINDS, RecoveryCode, Unit, User
from portal.models.projects import (
    ACTIVE_STAGES,
    INVESTOR_CLASSES,
    STAGE_DATE_COLUMNS,
    STAGE_LINE,
    STAGES,
    Attachment,
    BareInvestor,
    CapitalEntry,
    Enterprise,
    Industry,
    IndustryLink,
    Project,
    ProjectTally,
    StageChange,
)
from portal.models.imports import ImportBatch, ImportItem
from portal.models.problems import Commitment, Notification, Problem, ProblemResponse
from portal.models.notifications import NotificationPreference, NotificationSend
from portal.models.merges import MergeRecord
from portal.models.ranking import TopTenSelection, UnitTarget
from portal.models.scheduling import (
    FlagSnapshot,
    ListCountSnapshot,
    Milestone,
    ProgressReport,
    UnitWeekFlag,
    WeekFreeze,
    WeekNewInList,
    WeekUnitFigures,
)
from portal.models.credit import CREDIT_KINDS, UNIT_CREDIT_KINDS, ProjectCredit
from portal.models.sourcing import (Contact, ContactAttachment, EventProject, EventUnit, PromotionEvent, TeamQuota,
                                    TeamRegion)
from portal.models.sessions import LoginThrottle, SignInEvent, UserSession
from portal.models.settings import PluginFailureRecord, PluginState, Setting

ALL_MODELS = [
    ChainInfo, TargetEnterprise, ReviewDecision,
    Unit, User, RecoveryCode, UserSession, SignInEvent, LoginThrottle,
    Setting, PluginState, PluginFailureRecord, AuditLog,
    Industry, IndustryLink, Enterprise, BareInvestor, Project, ProjectTally, StageChange, CapitalEntry, Attachment,
    UnitTarget, TopTenSelection,
    Problem, ProblemResponse, Commitment, Notification,
    ProgressReport, Milestone, WeekFreeze, FlagSnapshot, ListCountSnapshot, UnitWeekFlag,
    WeekUnitFigures, WeekNewInList,
    ImportBatch, ImportItem,
    Contact, ContactAttachment, PromotionEvent, EventUnit, EventProject, ProjectCredit, TeamQuota, TeamRegion,
    ApiToken,
    NotificationPreference, NotificationSend, MergeRecord,
]


def cascading_keys(parent) -> list:
    """``(model, key)`` for each ON DELETE CASCADE key of ALL_MODELS to ``parent``: the rows the
    database deletes with a row of ``parent`` (an investor's contacts …)."""
    return [(model, key) for model in ALL_MODELS for key in model._meta.fields.values()
            if isinstance(key, peewee.ForeignKeyField) and key.rel_model is parent
            and (key.on_delete or "").upper() == "CASCADE"]


__all__ = [
    "ChainInfo", "ReviewDecision", "TargetEnterprise",
    "ACTIVE_STAGES", "ALL_MODELS", "cascading_keys", "INVESTOR_CLASSES", "STAGE_DATE_COLUMNS", "STAGE_LINE",
    "RecoveryCode", "ROLES", "STAGES", "UNIT_KINDS", "Attachment", "AuditLog",
    "CapitalEntry", "Enterprise", "Industry", "IndustryLink", "PluginFailureRecord", "PluginState", "Project",
    "BareInvestor", "ProjectTally", "Setting", "StageChange", "Unit", "User",
    "SignInEvent", "UserSession",
    "TopTenSelection", "UnitTarget",
    "Commitment", "Notification", "Problem", "ProblemResponse",
    "FlagSnapshot", "ListCountSnapshot", "Milestone", "ProgressReport", "UnitWeekFlag", "WeekFreeze",
    "WeekNewInList", "WeekUnitFigures",
    "ImportBatch", "ImportItem",
    "Contact", "ContactAttachment", "EventProject", "EventUnit", "PromotionEvent", "TeamQuota", "TeamRegion",
    "CREDIT_KINDS", "UNIT_CREDIT_KINDS", "ProjectCredit",
    "ApiToken",
    "NotificationPreference", "NotificationSend", "MergeRecord",
]
