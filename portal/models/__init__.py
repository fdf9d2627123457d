"""All models, importable from one place. Feature modules add theirs to ALL_MODELS."""
from portal.models.audit import AuditLog
from portal.models.chains import ChainInfo, ReviewDecision, TargetEnterprise
from portal.models.org import ROLES, UNIT_KINDS, Unit, User
from portal.models.projects import (
    STAGES,
    Attachment,
    CapitalEntry,
    Enterprise,
    Industry,
    Project,
    StageChange,
)
from portal.models.problems import Commitment, Notification, Problem, ProblemResponse
from portal.models.ranking import TopTenSelection, UnitTarget
from portal.models.scheduling import (
    FlagSnapshot,
    ListCountSnapshot,
    Milestone,
    ProgressReport,
    UnitWeekFlag,
    WeekFreeze,
)
from portal.models.sessions import SignInEvent, UserSession
from portal.models.settings import PluginState, Setting

ALL_MODELS = [
    ChainInfo, TargetEnterprise, ReviewDecision,
    Unit, User, UserSession, SignInEvent, Setting, PluginState, AuditLog,
    Industry, Enterprise, Project, StageChange, CapitalEntry, Attachment,
    UnitTarget, TopTenSelection,
    Problem, ProblemResponse, Commitment, Notification,
    ProgressReport, Milestone, WeekFreeze, FlagSnapshot, ListCountSnapshot, UnitWeekFlag,
]

__all__ = [
    "ChainInfo", "ReviewDecision", "TargetEnterprise",
    "ALL_MODELS", "ROLES", "STAGES", "UNIT_KINDS", "Attachment", "AuditLog", "CapitalEntry",
    "Enterprise", "Industry", "PluginState", "Project", "Setting", "SignInEvent", "StageChange", "Unit", "User",
    "UserSession",
    "TopTenSelection", "UnitTarget",
    "Commitment", "Notification", "Problem", "ProblemResponse",
    "FlagSnapshot", "ListCountSnapshot", "Milestone", "ProgressReport", "UnitWeekFlag", "WeekFreeze",
]
