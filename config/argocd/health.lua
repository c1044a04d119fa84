-- Argo CD health check for every kind of compute.azgallery.io (Gallery, GalleryImage, ...): the
-- same script serves each kind. The operator reports kstatus conditions: Ready, plus Reconciling
-- and Stalled while they are True (Paused too, under managementPolicy Paused), and
-- status.observedGeneration. Uses only Lua's base library,
-- so it runs without useOpenLibs.
local hs = {}

local function findCondition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function describe(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

local ready = findCondition("Ready")
local reconciling = findCondition("Reconciling")
local stalled = findCondition("Stalled")
local paused = findCondition("Paused")

-- Being deleted: the operator deletes the Azure resource (or orphans it) and then removes its
-- finalizer.
if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  local detail = nil
  if isTrue(stalled) then
    detail = describe(stalled, nil)
  elseif isTrue(reconciling) then
    detail = describe(reconciling, nil)
  end
  if detail ~= nil then
    hs.message = "Deleting: " .. detail
  else
    hs.message = "Deleting"
  end
  return hs
end

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

-- The status describes an older spec: wait until the operator has seen the latest one.
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe the latest spec"
  return hs
end

-- managementPolicy Paused: the operator sends nothing to Azure until the policy changes.
if isTrue(paused) then
  hs.status = "Suspended"
  hs.message = describe(paused, "Paused")
  return hs
end

-- Only a change by the user can make progress, for example after Azure refused the request.
if isTrue(stalled) then
  hs.status = "Degraded"
  hs.message = describe(stalled, "Stalled")
  return hs
end

if isTrue(ready) then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

if isTrue(reconciling) then
  hs.status = "Progressing"
  hs.message = describe(reconciling, "Reconciling")
  return hs
end

if ready ~= nil then
  hs.status = "Progressing"
  hs.message = describe(ready, "Not ready")
  return hs
end

hs.status = "Progressing"
hs.message = "Waiting for the Ready condition"
return hs
