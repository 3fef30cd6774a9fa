#include "client_core/held_areas.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/record_kind.h"
#include "common/status_macros.h"
#include "common/validate.h"

namespace fieldsync {

absl::StatusOr<uint64_t> HeldAreaTable::PurgeOutside(const AreaSet& keep) {
  struct Doomed {
    uint64_t server_seq;
    Stamp stamp;
    bool applied;
    v1::ChangeBody body;
  };
  std::vector<Doomed> doomed;
  {
    FS_ASSIGN_OR_RETURN(
        Stmt q, db_->Prepare("SELECT server_seq, device_id, device_seq, hlc, "
                             "deferred, county, kind, body "
                             "FROM received_changes"));
    while (true) {
      FS_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      Doomed d;
      const absl::string_view bytes = q.BlobView(7);
      const bool parsed =
          d.body.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
          d.body.kind_case() != v1::ChangeBody::KIND_NOT_SET;
      // A body this client cannot read is judged by the county stored with it.
      const std::string county = parsed ? CountyOf(d.body) : q.Text(5);
      const std::string township = parsed ? TownshipOf(d.body) : "";
      if (keep.Covers(county, township)) continue;
      d.server_seq = static_cast<uint64_t>(q.Int(0));
      d.stamp = Stamp{static_cast<uint64_t>(q.Int(3)), q.Blob(1),
                      static_cast<uint64_t>(q.Int(2))};
      d.applied = parsed && q.Int(4) == 0 &&
                  q.Int(6) != static_cast<int>(RecordKind::kUnknown);
      doomed.push_back(std::move(d));
    }
  }
  for (Doomed& d : doomed) {
    FS_RETURN_IF_ERROR(tables_->DeleteReceived(d.server_seq));
    // The row is gone first, so the lister no longer sees it.
    if (d.applied) {
      FS_RETURN_IF_ERROR(derived_->Remove(d.stamp, d.body, tables_->Lister()));
    }
  }
  return static_cast<uint64_t>(doomed.size());
}

absl::StatusOr<AreaChange> HeldAreaTable::Reconcile(const AreaSet& now,
                                                    uint64_t cursor) {
  AreaChange change;
  FS_ASSIGN_OR_RETURN(const int64_t known, meta_->Get(meta::kAreasKnown));
  FS_ASSIGN_OR_RETURN(AreaSet old, Held());
  FS_ASSIGN_OR_RETURN(Stmt del,
                      db_->Prepare("DELETE FROM held_areas WHERE area = ?"));
  FS_ASSIGN_OR_RETURN(
      Stmt ins,
      db_->Prepare("INSERT OR IGNORE INTO held_areas(area, "
                   "backfill_after, backfill_up_to) VALUES(?, ?, ?)"));
  if (known == 0 || cursor == 0) {
    // The main feed reads from the start: it brings every area. Whatever
    // is held from before (a store from before areas existed, or a re-read
    // that broke off) is kept only where the areas cover it.
    FS_RETURN_IF_ERROR(db_->Exec("DELETE FROM held_areas"));
    for (const std::string& a : now.areas) {
      ins.BindText(1, a).Bind(2, 0).Bind(3, 0);
      FS_RETURN_IF_ERROR(ins.Run());
    }
    if (!now.all) {
      FS_ASSIGN_OR_RETURN(change.purged, PurgeOutside(now));
    }
  } else {
    bool narrowed = old.all && !now.all;
    for (const std::string& a : old.areas) {
      if (now.Contains(a)) continue;
      narrowed = true;
      change.removed.push_back(a);
      del.BindText(1, a);
      FS_RETURN_IF_ERROR(del.Run());
    }
    if (old.all && !now.all) change.removed.push_back("all counties");
    if (narrowed) {
      FS_ASSIGN_OR_RETURN(change.purged, PurgeOutside(now));
    }
    if (now.all && !old.all) {
      // Every other county arrives: read the feed again from the start
      // (what is held already is recognised and skipped).
      change.reread_all = true;
      change.added.push_back("all counties");
      FS_RETURN_IF_ERROR(db_->Exec("DELETE FROM held_areas"));
      FS_RETURN_IF_ERROR(meta_->Put(meta::kCursor, 0));
    } else if (!now.all) {
      // Every current area is held from now on; one the device did not
      // hold before gets a back-fill range. (An area already there keeps
      // its row, and a back-fill in progress its progress.)
      for (const std::string& a : now.areas) {
        const bool had = old.Contains(a);
        if (!had) change.added.push_back(a);
        ins.BindText(1, a).Bind(2, 0).Bind(
            3, had ? 0 : static_cast<int64_t>(cursor));
        FS_RETURN_IF_ERROR(ins.Run());
      }
    }
  }
  if (known == 0 || old.all != now.all) {
    FS_RETURN_IF_ERROR(meta_->Put(meta::kAreasKnown, 1));
    FS_RETURN_IF_ERROR(meta_->Put(meta::kAreasAll, now.all ? 1 : 0));
  }
  FS_ASSIGN_OR_RETURN(change.backfills, Backfills());
  return change;
}

absl::StatusOr<std::vector<Backfill>> HeldAreaTable::Backfills() {
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT area, backfill_after, backfill_up_to FROM "
                           "held_areas WHERE backfill_after < backfill_up_to "
                           "ORDER BY area"));
  std::vector<Backfill> out;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(Backfill{q.Text(0), static_cast<uint64_t>(q.Int(1)),
                           static_cast<uint64_t>(q.Int(2))});
  }
  return out;
}

absl::StatusOr<std::string> HeldAreaTable::Describe() {
  FS_ASSIGN_OR_RETURN(const int64_t known, meta_->Get(meta::kAreasKnown));
  if (known == 0) return std::string("not known yet (sync once)");
  FS_ASSIGN_OR_RETURN(const int64_t all, meta_->Get(meta::kAreasAll));
  if (all != 0) return std::string("all counties");
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT area, backfill_after < backfill_up_to "
                           "FROM held_areas ORDER BY area"));
  std::vector<std::string> parts;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    parts.push_back(absl::StrCat(q.Text(0), q.Int(1) ? " (back-filling)" : ""));
  }
  if (parts.empty()) return std::string("none");
  return absl::StrJoin(parts, ", ");
}

absl::StatusOr<AreaSet> HeldAreaTable::Held() {
  FS_ASSIGN_OR_RETURN(const int64_t all, meta_->Get(meta::kAreasAll));
  AreaSet set{all != 0, {}};
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT area FROM held_areas ORDER BY area"));
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    set.areas.push_back(q.Text(0));
  }
  return set;
}

absl::StatusOr<std::optional<AreaSet>> HeldAreaTable::Current() {
  FS_ASSIGN_OR_RETURN(const int64_t known, meta_->Get(meta::kAreasKnown));
  if (known == 0) return std::optional<AreaSet>();
  FS_ASSIGN_OR_RETURN(AreaSet set, Held());
  return std::optional<AreaSet>(std::move(set));
}

absl::StatusOr<uint64_t> HeldAreaTable::BackfillCursor(
    const std::string& area) {
  FS_ASSIGN_OR_RETURN(Stmt q,
                      db_->Prepare("SELECT backfill_after FROM held_areas "
                                   "WHERE area = ?"));
  q.BindText(1, area);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return absl::FailedPreconditionError(
        absl::StrCat("area ", area, " is no longer held; back-fill stopped"));
  }
  return static_cast<uint64_t>(q.Int(0));
}

absl::Status HeldAreaTable::SetBackfillCursor(const std::string& area,
                                              uint64_t cursor) {
  FS_ASSIGN_OR_RETURN(Stmt up,
                      db_->Prepare("UPDATE held_areas SET backfill_after = ? "
                                   "WHERE area = ?"));
  up.Bind(1, static_cast<int64_t>(cursor)).BindText(2, area);
  return up.Run();
}

}  // namespace fieldsync
