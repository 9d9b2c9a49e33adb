@echo off
rem sdembed, as the release archive installs it: runs the command line on a Java 17 or later runtime, with lib\ and
rem the bge-small model in models\ of this archive's folder, wherever it was unpacked.
rem   Java: %JAVA_HOME%\bin\java.exe when JAVA_HOME is set, else java.exe on the PATH.
rem   Extra JVM options: SDEMBED_JAVA_OPTS (e.g. -Xmx8g).
rem Untested by the project's build, which has no Windows machine.
rem --enable-native-access: Java 24 and later warn at every JNI library load without it; Java 17 accepts it.
setlocal
set "SDEMBED_HOME=%~dp0.."
for %%i in ("%SDEMBED_HOME%") do set "SDEMBED_HOME=%%~fi"

set "JAVA_EXE=java.exe"
if defined JAVA_HOME set "JAVA_EXE=%JAVA_HOME%\bin\java.exe"
"%JAVA_EXE%" -version >nul 2>&1
if errorlevel 1 goto nojava

set ORT_DISABLE_TELEMETRY=1
"%JAVA_EXE%" --enable-native-access=ALL-UNNAMED -XX:CompileThresholdScaling=3 %SDEMBED_JAVA_OPTS% "-Dsdembed.home=%SDEMBED_HOME%" -Dsdembed.platform=__SDEMBED_PLATFORM__ -Dai.djl.offline=true -Djava.awt.headless=true -cp "%SDEMBED_HOME%\lib\*" dev.sdembed.cli.SdembedCommand %*
exit /b %ERRORLEVEL%

:nojava
echo sdembed: no Java found at "%JAVA_EXE%". Install a Java 17 or later runtime (e.g. Eclipse Temurin from adoptium.net), or set JAVA_HOME. 1>&2
exit /b 2
