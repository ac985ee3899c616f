"""Every domain's models, imported so that one metadata serves Alembic."""
from lms.accounts.models import RoleGrant, SignInFailure, TitleAssignment, User  # noqa: F401
from lms.audit import AuditChain, AuditEntry  # noqa: F401
from lms.curriculum.models import (  # noqa: F401
    Lesson,
    Module,
    ModuleRevision,
    Program,
    ProgramModule,
    ReviewFlag,
    ReviewPassage,
)
from lms.dashboards.models import CompletionFact  # noqa: F401
from lms.delivery.models import (  # noqa: F401
    FieldTrip,
    NeedCount,
    Nomination,
    Submission,
    TrainingClass,
    TrainingNeed,
    TrainingPlan,
)
from lms.delivery.timetable_models import AttendanceException, ClassSession, SessionAttendance  # noqa: F401
from lms.documents.models import Document, DocumentRelation  # noqa: F401
from lms.jobs.models import Job  # noqa: F401
from lms.learning.models import (  # noqa: F401
    Certificate,
    CertificateCounter,
    CertificateIssuer,
    LearningEvent,
    LessonProgress,
    ModuleRule,
    ModuleStatus,
    OfflineEvent,
    ProgramStatus,
    Quiz,
    QuizAttempt,
    QuizChoice,
    QuizQuestion,
)
from lms.notifications.models import (  # noqa: F401
    CalendarFeed,
    Notification,
    NotificationDefault,
    NotificationPreference,
)
from lms.organisation.models import Locality, Title, Unit  # noqa: F401
from lms.search.models import SearchTerm  # noqa: F401
from lms.supervision.models import Inspection  # noqa: F401
