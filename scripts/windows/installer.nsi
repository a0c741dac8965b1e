; The streambridge setup program (NSIS 3, Debian's nsis: makensis). Built by
; scripts/package.sh --windows, which defines VERSION, STAGE (the folder with streambridged.exe,
; streambridge.toml, event.schema.json, README.md, LICENSE.txt, THIRD-PARTY-NOTICES.txt) and
; OUTFILE. Everything it installs is inside it: nothing is downloaded at install time.
;
;   - installs to Program Files\streambridge (64-bit);
;   - writes the example config to %ProgramData%\streambridge\streambridge.toml only when
;     there is none: an upgrade or an uninstall never touches the config, the journal, the
;     widget state or the log there;
;   - registers and starts the service with `streambridged --install-service` (the section
;     "Run as a Windows service"; unticked, or /NOSERVICE on the command line, skips it);
;   - Start menu: the dashboard (http://127.0.0.1:7480/), the config folder, the uninstaller;
;   - the uninstaller stops and removes the service first;
;   - /S: silent (scripted) install and uninstall.
Unicode true
; A 64-bit setup program (the amd64-unicode stubs of Debian's nsis): the exe is 64-bit anyway, and a
; 64-bit installer runs under a 64-bit-only Wine (Debian's wine64) for the tests.
Target amd64-unicode
!include "MUI2.nsh"
!include "x64.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"

!ifndef VERSION
  !error "VERSION is not defined (scripts/package.sh --windows builds this)"
!endif
!define PRODUCT "streambridge"
!define SERVICE "streambridged"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\streambridge"
!define DASHBOARD "http://127.0.0.1:7480/"

Name "${PRODUCT} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\streambridge"
RequestExecutionLevel admin
SetCompressor /SOLID lzma
ShowInstDetails show
ShowUninstDetails show
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "streambridge setup"
VIAddVersionKey "LegalCopyright" "streambridge maintainers"

Var ConfigDir

!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_LINK "Open the dashboard (${DASHBOARD})"
!define MUI_FINISHPAGE_LINK_LOCATION "${DASHBOARD}"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${STAGE}\LICENSE.txt"
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "streambridge needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
  StrCpy $ConfigDir "$APPDATA\streambridge"  ; all users: %ProgramData%\streambridge
  ; /NOSERVICE: install without the service (a console user), also in silent mode.
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/NOSERVICE" $1
  ${IfNot} ${Errors}
    !insertmacro UnselectSection 1
  ${EndIf}
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
  StrCpy $ConfigDir "$APPDATA\streambridge"
FunctionEnd

Section "streambridge (required)" SecMain
  SectionIn RO
  ; An upgrade: the running service holds the exe. Stop and remove it with the installed exe
  ; (it waits for the clean stop); the service section registers it again.
  ${If} ${FileExists} "$INSTDIR\streambridged.exe"
    DetailPrint "Stopping and removing the installed service (if any)"
    nsExec::ExecToLog '"$INSTDIR\streambridged.exe" --uninstall-service'
    Pop $0
  ${EndIf}
  SetOutPath "$INSTDIR"
  File "${STAGE}\streambridged.exe"
  File "${STAGE}\README.md"
  File "${STAGE}\LICENSE.txt"
  File "${STAGE}\THIRD-PARTY-NOTICES.txt"
  File "${STAGE}\event.schema.json"
  File /oname=streambridge.example.toml "${STAGE}\streambridge.toml"

  ; The config: written only when there is none (an upgrade keeps the user's).
  CreateDirectory "$ConfigDir"
  ${IfNot} ${FileExists} "$ConfigDir\streambridge.toml"
    SetOutPath "$ConfigDir"
    File "${STAGE}\streambridge.toml"
    DetailPrint "Wrote the example config to $ConfigDir\streambridge.toml"
  ${Else}
    DetailPrint "Kept the existing config $ConfigDir\streambridge.toml"
  ${EndIf}
  SetOutPath "$INSTDIR"

  CreateDirectory "$SMPROGRAMS\streambridge"
  WriteINIStr "$SMPROGRAMS\streambridge\streambridge dashboard.url" "InternetShortcut" "URL" "${DASHBOARD}"
  CreateShortcut "$SMPROGRAMS\streambridge\streambridge config folder.lnk" "$WINDIR\explorer.exe" '"$ConfigDir"'
  CreateShortcut "$SMPROGRAMS\streambridge\Uninstall streambridge.lnk" "$INSTDIR\uninstall.exe"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "streambridge"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "streambridge maintainers"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\streambridged.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Run as a Windows service (starts with Windows)" SecService
  DetailPrint "Registering the service ${SERVICE}"
  nsExec::ExecToLog '"$INSTDIR\streambridged.exe" --install-service --config "$ConfigDir\streambridge.toml"'
  Pop $0
  ${If} $0 != 0
    MessageBox MB_ICONEXCLAMATION "The service was not installed (exit code $0): see the details. Fix $ConfigDir\streambridge.toml, then run streambridged --install-service as administrator." /SD IDOK
  ${Else}
    nsExec::ExecToLog '"$SYSDIR\sc.exe" start ${SERVICE}'
    Pop $0
  ${EndIf}
SectionEnd

LangString DESC_SecMain ${LANG_ENGLISH} "streambridged.exe, the example config (kept if you have one), Start-menu entries."
LangString DESC_SecService ${LANG_ENGLISH} "Registers and starts the streambridged service (automatic start). Untick it to run streambridged in a console instead."
!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecMain} $(DESC_SecMain)
  !insertmacro MUI_DESCRIPTION_TEXT ${SecService} $(DESC_SecService)
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Section "Uninstall"
  ; Stops the service (waiting for its clean stop) and removes it; nothing to do without one.
  ${If} ${FileExists} "$INSTDIR\streambridged.exe"
    nsExec::ExecToLog '"$INSTDIR\streambridged.exe" --uninstall-service'
    Pop $0
  ${EndIf}
  Delete "$INSTDIR\streambridged.exe"
  Delete "$INSTDIR\README.md"
  Delete "$INSTDIR\LICENSE.txt"
  Delete "$INSTDIR\THIRD-PARTY-NOTICES.txt"
  Delete "$INSTDIR\event.schema.json"
  Delete "$INSTDIR\streambridge.example.toml"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\streambridge\streambridge dashboard.url"
  Delete "$SMPROGRAMS\streambridge\streambridge config folder.lnk"
  Delete "$SMPROGRAMS\streambridge\Uninstall streambridge.lnk"
  RMDir "$SMPROGRAMS\streambridge"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  ; $ConfigDir (config, journal, widget state, log) is the user's: kept.
  DetailPrint "Kept $ConfigDir (config, journal, widget state, log)"
SectionEnd
